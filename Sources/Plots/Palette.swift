/// Fixed colors, so a figure looks the same on every run and in every format.
public enum Palette {
    /// Okabe & Ito's eight colors (Color Universal Design, 2008), which stay distinguishable under
    /// the common color-vision deficiencies. Recipes that pick a color by meaning use these names.
    public static let blue = "#0072B2", vermillion = "#D55E00", bluishGreen = "#009E73", reddishPurple = "#CC79A7",
        orange = "#E69F00", skyBlue = "#56B4E9", black = "#000000", yellow = "#F0E442"

    /// Assigned by layer order. Yellow comes last: on white it is the weakest of the eight.
    public static let categorical = [blue, vermillion, bluishGreen, reddishPurple, orange, skyBlue, black, yellow]

    /// Dash types cycled with the colors (a period of 5 against the colors' 8, so the first 40
    /// layers differ in the pair), so curves stay apart in gray-scale print.
    static let dashes: [Dash] = [.solid, .dashed, .dotted, .dashDot, .dashDotDot]

    /// gnuplot point types cycled with the colors: filled disc, square, triangle, diamond,
    /// inverted triangle, then the open shapes.
    static let markers = [7, 5, 9, 13, 11, 6, 4, 8]

    /// Viridis sampled at 11 stops: perceptually uniform and readable in gray-scale print.
    static let viridis = [
        "#440154", "#482475", "#414487", "#355f8d", "#2a788e", "#21918c",
        "#22a884", "#44bf70", "#7ad151", "#bddf26", "#fde725",
    ]

    /// ColorBrewer RdBu (9 classes) from blue to red: a diverging scale for signed values, white at
    /// the middle; its ends are mid-dark, so black markers stay visible on every cell.
    static let diverging = [
        "#2166ac", "#4393c3", "#92c5de", "#d1e5f0", "#f7f7f7", "#fddbc7", "#f4a582", "#d6604d", "#b2182b",
    ]

    /// Hatch color for heat-map cells without data: not a gray (a gray would read as a value on
    /// the gray-scale palette) and absent from viridis.
    static let missingHatch = "#d62728"

    /// Light gray grid lines.
    static let grid = "#e0e0e0"
}
