import Foundation

// The device key store as the Swift shell sees it. The bindings do not export the core's
// `KeyStore` foreign trait yet (core/src/keys/mod.rs; bindings/src/lib.rs lists it as "later"),
// so this protocol mirrors that trait's shape one to one: when the bindings export it, the
// Secure Enclave store conforms to the generated protocol instead and this file maps its
// errors (the names here were chosen so they do not clash with the generated ones).

/// Options for a new device key (core `KeyOptions`). A requirement that cannot be met is an
/// error, never a downgrade.
public struct DeviceKeyOptions: Sendable, Equatable, Hashable {
    /// The key must live in dedicated hardware (the Secure Enclave).
    public var hardwareRequired: Bool
    /// Each use of the key requires user authentication (biometry of the current enrolment).
    public var userAuthenticationRequired: Bool

    public init(hardwareRequired: Bool = true, userAuthenticationRequired: Bool = false) {
        self.hardwareRequired = hardwareRequired
        self.userAuthenticationRequired = userAuthenticationRequired
    }
}

/// Why a key-store operation failed (core `KeyStoreError`). Never contains key material.
public enum DeviceKeyError: Error, Sendable, Equatable, Hashable {
    /// No key under this alias.
    case notFound
    /// A key already exists under this alias.
    case alreadyExists
    /// Hardware-backed storage was required and this device has none.
    case hardwareUnavailable
    /// The key was invalidated (biometric enrolment changed): the citizen must re-enrol.
    case keyInvalidated
    /// The user dismissed the authentication prompt.
    case userCancelled
    /// The caller cancelled the operation.
    case cancelled
    /// User authentication failed or is required and was not given.
    case authenticationFailed
    /// Malformed stored data or a malformed value returned by the platform.
    case corrupted(String)
    /// Any other platform failure, with a short non-secret description.
    case platform(String)
}

/// The platform's key store of P-256 signing keys (core `KeyStore`). Implementations must be
/// safe to call from several threads; `sign` may show a biometric prompt, so it is called on a
/// worker thread, never the main actor.
public protocol DeviceKeyStore: AnyObject, Sendable {
    /// Creates a new P-256 signing key under `alias`; returns its public key, SEC1 uncompressed
    /// (65 bytes, `04 || x || y`).
    func generate(alias: String, options: DeviceKeyOptions) throws -> Data
    /// The public key under `alias` (SEC1 uncompressed, 65 bytes).
    func publicKey(alias: String) throws -> Data
    /// ECDSA P-256 / SHA-256 over `message` (the platform hashes); the signature in DER.
    func sign(alias: String, message: Data) throws -> Data
    /// Deletes the key under `alias` (a missing key is `notFound`).
    func delete(alias: String) throws
    /// The platform's attestation chain for the key (leaf first, DER), empty when none.
    func attestation(alias: String, challenge: Data) throws -> [Data]
}
