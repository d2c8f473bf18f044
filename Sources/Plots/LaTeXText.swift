import Foundation

/// Figure text (Unicode, as recipes write it: "α_*", "ΔW_Q", "‖W_O[i,:]‖", "N^−½") rewritten as
/// LaTeX for the `tex` format, where LaTeX typesets every label in the paper's own font: a word that
/// holds a symbol, a subscript or a superscript becomes math (`$\alpha_{*}$`, `$\Delta W_{Q}$`),
/// other words are text with LaTeX's special characters escaped. The output is ASCII.
public enum LaTeXText {
    /// Symbols and their math-mode LaTeX.
    static let symbols: [Character: String] = [
        "α": "\\alpha", "β": "\\beta", "γ": "\\gamma", "δ": "\\delta", "ε": "\\varepsilon", "ζ": "\\zeta", "η": "\\eta",
        "θ": "\\theta", "ι": "\\iota", "κ": "\\kappa", "λ": "\\lambda", "μ": "\\mu", "ν": "\\nu", "ξ": "\\xi", "π": "\\pi",
        "ρ": "\\rho", "σ": "\\sigma", "ς": "\\varsigma", "τ": "\\tau", "υ": "\\upsilon", "φ": "\\varphi", "χ": "\\chi",
        "ψ": "\\psi", "ω": "\\omega", "Γ": "\\Gamma", "Δ": "\\Delta", "Θ": "\\Theta", "Λ": "\\Lambda", "Ξ": "\\Xi",
        "Π": "\\Pi", "Σ": "\\Sigma", "Φ": "\\Phi", "Ψ": "\\Psi", "Ω": "\\Omega", "ϵ": "\\epsilon",
        "∝": "\\propto", "≤": "\\le", "≥": "\\ge", "≈": "\\approx", "≠": "\\neq", "×": "\\times", "·": "\\cdot",
        "−": "-", "±": "\\pm", "→": "\\to", "←": "\\leftarrow", "↦": "\\mapsto", "∞": "\\infty", "√": "\\surd ",
        "‖": "\\|", "∈": "\\in", "∉": "\\notin", "∑": "\\sum", "∏": "\\prod", "∗": "*", "′": "'", "″": "''",
        "∼": "\\sim", "~": "\\sim", "⊤": "\\top", "∣": "|", "∂": "\\partial", "∇": "\\nabla", "⟨": "\\langle", "⟩": "\\rangle",
        "∪": "\\cup", "∩": "\\cap", "⊂": "\\subset", "∀": "\\forall", "∃": "\\exists", "ℓ": "\\ell", "∘": "\\circ",
        "½": "\\tfrac{1}{2}", "⅓": "\\tfrac{1}{3}", "¼": "\\tfrac{1}{4}", "¾": "\\tfrac{3}{4}", "…": "\\ldots", "⋯": "\\cdots",
        "°": "^{\\circ}", "ˆ": "\\hat{}", "𝔼": "\\mathbb{E}", "ℝ": "\\mathbb{R}", "≡": "\\equiv", "⇒": "\\Rightarrow",
        "∧": "\\wedge", "∨": "\\vee", "¬": "\\neg", "⌊": "\\lfloor", "⌋": "\\rfloor", "⌈": "\\lceil", "⌉": "\\rceil",
    ]
    static let superscripts: [Character: Character] = [
        "⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4", "⁵": "5", "⁶": "6",
        "⁷": "7", "⁸": "8", "⁹": "9", "⁻": "-", "⁺": "+", "ⁿ": "n", "ᵀ": "T", "ⁱ": "i",
        "⁽": "(", "⁾": ")", "⁼": "=",
    ]
    static let subscripts: [Character: Character] = [
        "₀": "0", "₁": "1", "₂": "2", "₃": "3", "₄": "4", "₅": "5", "₆": "6",
        "₇": "7", "₈": "8", "₉": "9", "₋": "-", "₊": "+", "ᵢ": "i", "ⱼ": "j", "ₖ": "k", "ₘ": "m", "ₙ": "n", "ₜ": "t",
        "₍": "(", "₎": ")", "₌": "=",
    ]
    /// Text-mode replacements for characters outside math words.
    static let textReplacements: [Character: String] = [
        "—": "---", "–": "--", "’": "'", "‘": "`", "“": "``", "”": "''", "é": "\\'e", "è": "\\`e", "ü": "\\\"u", "ö": "\\\"o",
        "ä": "\\\"a", "ç": "\\c{c}", "ñ": "\\~n", "\u{00A0}": "~", "\u{2009}": "\\,", "\u{202F}": "\\,", "✓": "$\\checkmark$",
    ]

    /// Characters LaTeX reserves, escaped the same way in text and in math.
    static let specials: [Character: String] = ["%": "\\%", "&": "\\&", "#": "\\#", "$": "\\$"]

    public static func convert(_ text: String) -> String {
        // Words are split on spaces; each is math when it carries a symbol, `_` or `^`.
        text.split(separator: " ", omittingEmptySubsequences: false).map { word in
            let w = String(word)
            return isMath(w) ? "$" + math(w) + "$" : escapeText(w)
        }.joined(separator: " ")
    }

    static func isMath(_ word: String) -> Bool {
        word.contains { symbols[$0] != nil || superscripts[$0] != nil || subscripts[$0] != nil || $0 == "_" || $0 == "^" || accented($0) != nil }
    }

    /// Combining accents over a symbol or a letter: μ̄ → \bar{\mu}, x̂ → \hat{x}.
    static let accents: [Unicode.Scalar: String] = [
        "\u{0304}": "\\bar", "\u{0305}": "\\bar", "\u{0302}": "\\hat",
        "\u{0303}": "\\tilde", "\u{0307}": "\\dot", "\u{0308}": "\\ddot", "\u{20D7}": "\\vec",
    ]
    static func accented(_ c: Character) -> String? {
        let u = Array(c.unicodeScalars)
        guard u.count == 2, let accent = accents[u[1]] else { return nil }
        let base = Character(u[0])
        guard let inner = symbols[base] ?? (base.isASCII && base.isLetter ? String(base) : nil) else { return nil }
        return "\(accent){\(inner)}"
    }

    /// A word in math mode: symbols mapped, runs of super/subscript characters grouped, `_x` / `^x`
    /// braced (a multi-letter subscript such as `rel` set upright), a leading or trailing
    /// punctuation mark kept.
    static func math(_ word: String) -> String {
        var out = ""
        let chars = Array(word)
        var i = 0
        func script(_ marker: String, _ table: [Character: Character]) {
            var run = ""
            while i < chars.count, let c = table[chars[i]] { run.append(c); i += 1 }
            out += "\(marker){\(run)}"
        }
        while i < chars.count {
            let c = chars[i]
            if superscripts[c] != nil { script("^", superscripts); continue }
            if subscripts[c] != nil { script("_", subscripts); continue }
            if c == "_" || c == "^" {
                i += 1
                var arg = ""
                if i < chars.count, chars[i] == "(" {
                    // w_s^(T): a parenthesised exponent is one group, parentheses kept.
                    while i < chars.count { arg.append(chars[i]); i += 1; if arg.last == ")" { break } }
                } else if i < chars.count, chars[i] == "{" {
                    var depth = 0
                    while i < chars.count {
                        if chars[i] == "{" { depth += 1 } else if chars[i] == "}" { depth -= 1 }
                        arg.append(chars[i]); i += 1
                        if depth == 0 { break }
                    }
                    arg = String(arg.dropFirst().dropLast())
                } else {
                    while i < chars.count,
                        chars[i].isLetter || chars[i].isNumber || chars[i] == "*" || chars[i] == "−" || chars[i] == "-" || symbols[chars[i]] != nil
                    {
                        arg.append(chars[i]); i += 1
                    }
                }
                let inner = math(arg)
                let upright = arg.count > 1 && arg.allSatisfy { $0.isASCII && $0.isLetter }
                // A subscript of letters is a name (n_rel): upright; of symbols or digits, math.
                out += "\(c){\(upright ? "\\mathrm{\(inner)}" : inner)}"
                continue
            }
            if let a = accented(c) {
                out += a
            } else if let s = symbols[c] {
                // A command followed by a letter needs a separating space: \Delta W.
                out += s
                if s.last?.isLetter == true, i + 1 < chars.count, chars[i + 1].isLetter { out += " " }
            } else if let t = textReplacements[c] {
                out += "\\text{\(t)}"
            } else {
                if let e = specials[c] { out += e } else if c == "\\" { out += "\\backslash " } else { out += c.isASCII ? String(c) : "?" }
            }
            i += 1
        }
        return out
    }

    static func escapeText(_ word: String) -> String {
        var out = ""
        for c in word {
            switch c {
            case "\\": out += "\\textbackslash{}"
            case "{": out += "\\{"
            case "}": out += "\\}"
            case "%", "&", "#", "$": out += specials[c]!
            case "~": out += "\\textasciitilde{}"
            case "<": out += "$<$"
            case ">": out += "$>$"
            case "|": out += "$|$"
            default:
                if let t = textReplacements[c] { out += t } else if c.isASCII { out.append(c) } else { out += "?" }
            }
        }
        return out
    }
}
