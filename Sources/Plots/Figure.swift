import Foundation

/// A figure as data: axes, layers and provenance. `FigureWriter` turns it into a `.tsv` (all the
/// numbers, with a header comment), a self-contained `.gp` that reads the `.tsv` and can be edited
/// by hand, and rendered PNG / SVG (/ PDF on request) through gnuplot.
public struct Figure: Sendable {
    /// File stem, e.g. `R1_update_spectra`.
    public var id: String
    public var title: String
    /// Header comment lines of the `.tsv`: what config, which seeds, what the claim is.
    public var notes: [String]
    public var x: Axis
    public var y: Axis
    /// Secondary y axis (dual-axis figures, e.g. pruning curves with sorted neuron norms as bars).
    public var y2: Axis?
    public var layers: [Layer]
    public var key: KeyPlacement
    /// Canvas size in pixels for PNG (SVG/PDF scale accordingly).
    public var width: Int
    public var height: Int
    /// Set by the `tex` format: the key placement decided before the text became LaTeX.
    var keyResolved: KeyPlacement? = nil

    public init(
        id: String, title: String, notes: [String] = [], x: Axis, y: Axis, y2: Axis? = nil,
        layers: [Layer] = [], key: KeyPlacement = .topRight, width: Int = 800, height: Int = 560
    ) {
        self.id = id; self.title = title; self.notes = notes; self.x = x; self.y = y; self.y2 = y2
        self.layers = layers; self.key = key; self.width = width; self.height = height
    }
}

public struct Axis: Sendable {
    public var label: String
    public var log: Bool
    public var min: Double?
    public var max: Double?
    /// Explicit tic positions with labels (e.g. matrix names on a bar group), nil = automatic.
    public var tics: [(Double, String)]?
    public init(_ label: String, log: Bool = false, min: Double? = nil, max: Double? = nil, tics: [(Double, String)]? = nil) {
        self.label = label; self.log = log; self.min = min; self.max = max; self.tics = tics
    }
}

/// `below`: one row under the plot, for figures whose plot area is full (heat maps) and whose right
/// side holds the color box. An inside corner is a preference: when the key would cover data
/// there, the writer takes another corner that is free, else puts the key below the plot.
public enum KeyPlacement: String, Sendable { case topRight, topLeft, bottomRight, bottomLeft, outside, below, none }

public enum AxisSide: Sendable { case y1, y2 }

/// `auto` (the default of a line) takes the next dash type of the cycle in layer order, with a
/// sparse marker, so every curve is told apart without color; the others are fixed.
public enum Dash: Sendable { case auto, solid, dashed, dotted, dashDot, dashDotDot }

/// One thing drawn. Missing values are NaN and are drawn as gaps (never as zeros).
public enum Layer: Sendable {
    /// Mean line with an optional shaded band (e.g. mean ± sd): `band.lo`/`band.hi` per x.
    case line(Line)
    /// Markers with optional symmetric error bars (e.g. measured T* ± sd).
    case points(Points)
    /// Bars (gnuplot `boxes`), typically on y2 (sorted neuron norms behind pruning curves).
    case bars(Bars)
    /// A horizontal reference line (e.g. the unpruned baseline), dashed by default.
    case hline(HLine)
    /// A heat map z[iy][ix] over the grid xs × ys (gnuplot `with image`), with a color-box label.
    case heatmap(Heatmap)
}

public struct Line: Sendable {
    public var title: String
    public var x: [Double]
    public var y: [Double]
    public var band: (lo: [Double], hi: [Double])?
    public var dash: Dash
    /// Optional gnuplot color spec, e.g. "#1f77b4"; nil = the writer's palette by layer order.
    public var color: String?
    public var withPoints: Bool
    public var axis: AxisSide
    /// A fitted or theory curve, not a measurement: it never gets markers (markers at a fit's
    /// sample points would read as data), not even to tell it apart from another curve in gray.
    public var isReference: Bool
    public init(
        _ title: String, x: [Double], y: [Double], band: (lo: [Double], hi: [Double])? = nil,
        dash: Dash = .auto, color: String? = nil, withPoints: Bool = false, axis: AxisSide = .y1,
        isReference: Bool = false
    ) {
        self.title = title; self.x = x; self.y = y; self.band = band; self.dash = dash
        self.color = color; self.withPoints = withPoints; self.axis = axis; self.isReference = isReference
    }
}

public struct Points: Sendable {
    public var title: String
    public var x: [Double]
    public var y: [Double]
    public var yErr: [Double]?
    public var color: String?
    public var axis: AxisSide
    /// Marker shape; several point layers on one heat map tell categories apart by shape, not color.
    public var marker: Marker
    /// Marker size relative to the default (1 = gnuplot `ps 0.9`).
    public var size: Double
    public init(
        _ title: String, x: [Double], y: [Double], yErr: [Double]? = nil, color: String? = nil, axis: AxisSide = .y1,
        marker: Marker = .disc, size: Double = 1
    ) {
        self.title = title; self.x = x; self.y = y; self.yErr = yErr; self.color = color; self.axis = axis
        self.marker = marker; self.size = size
    }
}

/// Marker shapes (gnuplot point types, the same in the png, svg and pdf terminals).
public enum Marker: Int, Sendable {
    case plus = 1, cross = 2, circle = 6, disc = 7, square = 4, filledSquare = 5, triangle = 8, filledTriangle = 9
}

public struct Bars: Sendable {
    public var title: String
    public var x: [Double]
    public var height: [Double]
    /// Bar width in x units; nil = automatic.
    public var width: Double?
    public var color: String?
    public var axis: AxisSide
    public init(_ title: String, x: [Double], height: [Double], width: Double? = nil, color: String? = nil, axis: AxisSide = .y1) {
        self.title = title; self.x = x; self.height = height; self.width = width; self.color = color; self.axis = axis
    }
}

public struct HLine: Sendable {
    public var title: String
    public var y: Double
    public var dash: Dash
    public var color: String?
    public init(_ title: String, y: Double, dash: Dash = .dashed, color: String? = nil) {
        self.title = title; self.y = y; self.dash = dash; self.color = color
    }
}

public struct Heatmap: Sendable {
    public var title: String
    public var xs: [Double]
    public var ys: [Double]
    /// z[iy][ix]; NaN = missing.
    public var z: [[Double]]
    public var zLabel: String
    /// Gray scale black (0) → white (1), as in ICLR'23's phase diagrams; false = a color palette.
    public var grayscale: Bool
    public var zMin: Double?
    public var zMax: Double?
    /// A signed quantity: blue (negative) → white → red (positive) instead of gray / viridis. White
    /// sits at the middle of [zMin, zMax], so give a range symmetric about 0.
    public var diverging: Bool
    /// One vector box per cell even on a uniform grid: `with image` embeds a bitmap in the svg and
    /// pdf, which librsvg and browsers smooth when they scale it, blurring the cell edges.
    public var crisp: Bool
    public init(
        _ title: String, xs: [Double], ys: [Double], z: [[Double]], zLabel: String,
        grayscale: Bool = true, zMin: Double? = nil, zMax: Double? = nil, diverging: Bool = false, crisp: Bool = false
    ) {
        self.title = title; self.xs = xs; self.ys = ys; self.z = z; self.zLabel = zLabel
        self.grayscale = grayscale; self.zMin = zMin; self.zMax = zMax; self.diverging = diverging; self.crisp = crisp
    }
}

/// Output formats. PNG and SVG by default; PDF on request.
public struct FigureFormats: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public static let png = FigureFormats(rawValue: 1)
    public static let svg = FigureFormats(rawValue: 2)
    public static let pdf = FigureFormats(rawValue: 4)
    public static let standard: FigureFormats = [.png, .svg]
}
