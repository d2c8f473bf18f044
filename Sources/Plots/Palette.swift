/// Fixed colors, so a figure looks the same on every run and in every format.
enum Palette {
    /// Tableau 10 (matplotlib's `tab10`), assigned by layer order.
    static let categorical = [
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
        "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
    ]

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
