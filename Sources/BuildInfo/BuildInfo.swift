/// What the running binary was built from.
public enum BuildInfo {
    /// SHA-256 (first 16 hex digits) of `Sources/`, `Plugins/`, `Package.swift` and `Package.resolved`
    /// at build time (`Plugins/CodeFingerprint`). Every point record carries it, and a finished point
    /// is reused only by a binary with the same fingerprint (`sim run --reuse-stale` overrides).
    public static let codeFingerprint: String = generatedCodeFingerprint
}
