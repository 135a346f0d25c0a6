#if canImport(CryptoKit) && canImport(Security)
import CryptoKit
import Foundation
import Security

/// A ``DeviceKeyStore`` whose P-256 signing keys live in the Secure Enclave: the private key
/// never leaves it. CryptoKit hands back an opaque blob (the key wrapped by the Secure Enclave,
/// useless on any other device), which is kept in the keychain as a generic password
/// (`kSecAttrAccessibleWhenUnlockedThisDeviceOnly`, so it is neither synced nor restored to
/// another device).
///
/// - `userAuthenticationRequired`: the key is created with `.biometryCurrentSet`, so each
///   signature shows Face ID / Touch ID, and enrolling a new finger or face invalidates the
///   key (``DeviceKeyError/KeyInvalidated``: the citizen enrols again).
/// - `hardwareRequired` is always met or refused: without a Secure Enclave (simulator, old
///   device) `generate` throws ``DeviceKeyError/HardwareUnavailable``; this store never falls
///   back to software keys.
/// - `attestation` returns an empty chain: iOS has no key attestation for Secure Enclave keys
///   (App Attest attests the app, not a given key).
///
/// It conforms to the generated ``DeviceKeyStore`` protocol (the bindings' foreign trait), so
/// it is handed as is to `createReceipt` / `enrol` or ``MonidReceipts``, and throws the
/// generated ``DeviceKeyError``: Rust maps those cases to ``ReceiptError`` (`KeyInvalidated`,
/// `UserCancelled`...). Every error is mapped here, so nothing arrives in Rust as `Unexpected`.
///
/// NOT VERIFIED ON A DEVICE: compiled in CI on Linux against stubs of CryptoKit and Security
/// (the stubs keep a keychain in memory, so the keychain logic and the error mapping run).
public final class SecureEnclaveKeyStore: DeviceKeyStore, @unchecked Sendable {
    /// The keychain service under which the wrapped keys are stored.
    public let service: String
    /// Guards the keychain's check-then-add in `generate` and `delete` (the platform calls are
    /// thread-safe; the sequence is not). Never held while the Secure Enclave signs.
    private let lock = NSLock()

    public init(service: String = "org.monid.device-keys") {
        self.service = service
    }

    /// Creates the key in the Secure Enclave. `hardwareRequired` is always met (or
    /// ``DeviceKeyError/HardwareUnavailable``); `userAuthenticationRequired` adds
    /// `.biometryCurrentSet`.
    public func generate(alias: String, options: DeviceKeyOptions) throws -> Data {
        lock.lock()
        defer { lock.unlock() }
        if try loadBlob(alias) != nil { throw DeviceKeyError.AlreadyExists }
        guard SecureEnclave.isAvailable else { throw DeviceKeyError.HardwareUnavailable }
        var flags: SecAccessControlCreateFlags = [.privateKeyUsage]
        if options.userAuthenticationRequired { flags.insert(.biometryCurrentSet) }
        guard let access = SecAccessControlCreateWithFlags(
            nil, kSecAttrAccessibleWhenUnlockedThisDeviceOnly, flags, nil)
        else {
            throw DeviceKeyError.Platform(reason: "cannot create the access control")
        }
        let key: SecureEnclave.P256.Signing.PrivateKey
        do {
            key = try SecureEnclave.P256.Signing.PrivateKey(compactRepresentable: false, accessControl: access)
        } catch {
            throw Self.map(error)
        }
        try storeBlob(alias, key.dataRepresentation)
        return try Self.checkedPublicKey(key.publicKey.x963Representation)
    }

    public func publicKey(alias: String) throws -> Data {
        let key = try loadKey(alias)
        return try Self.checkedPublicKey(key.publicKey.x963Representation)
    }

    public func sign(alias: String, message: Data) throws -> Data {
        let key = try loadKey(alias)
        do {
            // May show the biometric prompt: Rust calls this on the receipt's own thread.
            return try key.signature(for: message).derRepresentation
        } catch {
            throw Self.map(error)
        }
    }

    public func delete(alias: String) throws {
        lock.lock()
        defer { lock.unlock() }
        let status = SecItemDelete(query(alias) as CFDictionary)
        switch status {
        case errSecSuccess: return
        case errSecItemNotFound: throw DeviceKeyError.NotFound
        default: throw DeviceKeyError.Platform(reason: "keychain delete failed (OSStatus \(status))")
        }
    }

    /// Always empty once the key exists: iOS has no attestation of a Secure Enclave key.
    public func attestation(alias: String, challenge: Data) throws -> [Data] {
        _ = try loadKey(alias)
        return []
    }

    // MARK: keychain

    private func query(_ alias: String) -> [String: Any] {
        [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: service,
            kSecAttrAccount as String: alias,
        ]
    }

    private func storeBlob(_ alias: String, _ blob: Data) throws {
        var q = query(alias)
        q[kSecValueData as String] = blob
        q[kSecAttrAccessible as String] = kSecAttrAccessibleWhenUnlockedThisDeviceOnly
        let status = SecItemAdd(q as CFDictionary, nil)
        switch status {
        case errSecSuccess: return
        case errSecDuplicateItem: throw DeviceKeyError.AlreadyExists
        default: throw DeviceKeyError.Platform(reason: "keychain add failed (OSStatus \(status))")
        }
    }

    private func loadBlob(_ alias: String) throws -> Data? {
        var q = query(alias)
        q[kSecReturnData as String] = true
        q[kSecMatchLimit as String] = kSecMatchLimitOne
        var item: CFTypeRef?
        let status = SecItemCopyMatching(q as CFDictionary, &item)
        switch status {
        case errSecSuccess:
            guard let data = item as? Data else {
                throw DeviceKeyError.Corrupted(reason: "keychain item is not data")
            }
            return data
        case errSecItemNotFound:
            return nil
        case errSecInteractionNotAllowed:
            throw DeviceKeyError.AuthenticationFailed  // device locked
        default:
            throw DeviceKeyError.Platform(reason: "keychain read failed (OSStatus \(status))")
        }
    }

    private func loadKey(_ alias: String) throws -> SecureEnclave.P256.Signing.PrivateKey {
        lock.lock()
        let blob = try { defer { lock.unlock() }; return try loadBlob(alias) }()
        guard let blob else { throw DeviceKeyError.NotFound }
        do {
            return try SecureEnclave.P256.Signing.PrivateKey(dataRepresentation: blob)
        } catch {
            // The Secure Enclave no longer unwraps the blob: the key was invalidated (new
            // biometric enrolment, device restored) or the blob is from another device.
            throw DeviceKeyError.KeyInvalidated
        }
    }

    private static func checkedPublicKey(_ raw: Data) throws -> Data {
        guard raw.count == 65, raw.first == 0x04 else {
            throw DeviceKeyError.Corrupted(reason: "public key is not SEC1 uncompressed P-256")
        }
        return raw
    }

    /// Maps CryptoKit / LocalAuthentication / CryptoTokenKit / Security failures to the
    /// generated ``DeviceKeyError`` by domain and code only (their texts may name the key or the
    /// user's biometry state and are dropped). Best effort: the codes are the SDK's, but which
    /// one iOS raises in which situation was NOT observed on a device here.
    static func map(_ error: any Error) -> DeviceKeyError {
        if let e = error as? DeviceKeyError { return e }
        let ns = error as NSError
        switch (ns.domain, ns.code) {
        // LAError: userCancel, userFallback, systemCancel, appCancel; invalidContext.
        case (Self.laDomain, -2), (Self.laDomain, -3), (Self.laDomain, -4), (Self.laDomain, -9):
            return .UserCancelled
        case (Self.laDomain, -10):
            return .Cancelled
        // LAError: authenticationFailed, passcodeNotSet, biometryNotEnrolled, biometryLockout,
        // notInteractive.
        case (Self.laDomain, -1), (Self.laDomain, -5), (Self.laDomain, -7), (Self.laDomain, -8),
             (Self.laDomain, -1004):
            return .AuthenticationFailed
        // LAError.biometryNotAvailable: the required user authentication cannot happen.
        case (Self.laDomain, -6):
            return .HardwareUnavailable
        // TKError: canceledByUser; authenticationFailed, authenticationNeeded; objectNotFound
        // (the enclave no longer holds what the blob refers to: invalidated).
        case (Self.ctkDomain, -4):
            return .UserCancelled
        case (Self.ctkDomain, -5), (Self.ctkDomain, -9):
            return .AuthenticationFailed
        case (Self.ctkDomain, -6):
            return .KeyInvalidated
        case (NSOSStatusErrorDomain, Int(errSecUserCanceled)):
            return .UserCancelled
        case (NSOSStatusErrorDomain, Int(errSecAuthFailed)):
            return .AuthenticationFailed
        case (NSOSStatusErrorDomain, Int(errSecItemNotFound)):
            // A biometryCurrentSet key after a change of the enrolled faces / fingers.
            return .KeyInvalidated
        case (NSOSStatusErrorDomain, Int(errSecNotAvailable)):
            return .HardwareUnavailable
        default:
            return .Platform(reason: "Secure Enclave failure (\(ns.domain) \(ns.code))")
        }
    }

    static let laDomain = "com.apple.LocalAuthentication"
    static let ctkDomain = "CryptoTokenKit"
}
#endif
