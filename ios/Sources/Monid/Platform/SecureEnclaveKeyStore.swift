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
///   key (``DeviceKeyError/keyInvalidated``: the citizen enrols again).
/// - `hardwareRequired` is always met or refused: without a Secure Enclave (simulator, old
///   device) `generate` throws ``DeviceKeyError/hardwareUnavailable``; this store never falls
///   back to software keys.
/// - `attestation` returns an empty chain: iOS has no key attestation for Secure Enclave keys
///   (App Attest attests the app, not a given key).
///
/// NOT VERIFIED ON A DEVICE: compiled in CI on Linux against stubs of CryptoKit and Security.
/// The bindings do not export the core's `KeyStore` trait yet, so this store cannot be handed
/// to the Rust receipt code; it implements the same shape (see ``DeviceKeyStore``).
public final class SecureEnclaveKeyStore: DeviceKeyStore, @unchecked Sendable {
    /// The keychain service under which the wrapped keys are stored.
    public let service: String
    private let lock = NSLock()

    public init(service: String = "org.monid.device-keys") {
        self.service = service
    }

    public func generate(alias: String, options: DeviceKeyOptions) throws -> Data {
        lock.lock()
        defer { lock.unlock() }
        if try loadBlob(alias) != nil { throw DeviceKeyError.alreadyExists }
        guard SecureEnclave.isAvailable else { throw DeviceKeyError.hardwareUnavailable }
        var flags: SecAccessControlCreateFlags = [.privateKeyUsage]
        if options.userAuthenticationRequired { flags.insert(.biometryCurrentSet) }
        guard let access = SecAccessControlCreateWithFlags(
            nil, kSecAttrAccessibleWhenUnlockedThisDeviceOnly, flags, nil)
        else {
            throw DeviceKeyError.platform("cannot create the access control")
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
            // May show the biometric prompt: never call on the main actor.
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
        case errSecItemNotFound: throw DeviceKeyError.notFound
        default: throw DeviceKeyError.platform("keychain delete failed (OSStatus \(status))")
        }
    }

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
        case errSecDuplicateItem: throw DeviceKeyError.alreadyExists
        default: throw DeviceKeyError.platform("keychain add failed (OSStatus \(status))")
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
            guard let data = item as? Data else { throw DeviceKeyError.corrupted("keychain item is not data") }
            return data
        case errSecItemNotFound:
            return nil
        case errSecInteractionNotAllowed:
            throw DeviceKeyError.authenticationFailed
        default:
            throw DeviceKeyError.platform("keychain read failed (OSStatus \(status))")
        }
    }

    private func loadKey(_ alias: String) throws -> SecureEnclave.P256.Signing.PrivateKey {
        lock.lock()
        let blob = try { defer { lock.unlock() }; return try loadBlob(alias) }()
        guard let blob else { throw DeviceKeyError.notFound }
        do {
            return try SecureEnclave.P256.Signing.PrivateKey(dataRepresentation: blob)
        } catch {
            // The Secure Enclave no longer unwraps the blob: the key was invalidated (new
            // biometric enrolment, device restored) or the blob is from another device.
            throw DeviceKeyError.keyInvalidated
        }
    }

    private static func checkedPublicKey(_ raw: Data) throws -> Data {
        guard raw.count == 65, raw.first == 0x04 else {
            throw DeviceKeyError.corrupted("public key is not SEC1 uncompressed P-256")
        }
        return raw
    }

    /// Maps CryptoKit / LocalAuthentication / Security failures without their texts.
    static func map(_ error: any Error) -> DeviceKeyError {
        if let e = error as? DeviceKeyError { return e }
        let ns = error as NSError
        switch (ns.domain, ns.code) {
        case ("com.apple.LocalAuthentication", -2), ("com.apple.LocalAuthentication", -4),
             ("com.apple.LocalAuthentication", -9):
            return .userCancelled  // LAError.userCancel, .systemCancel, .appCancel
        case ("com.apple.LocalAuthentication", -1):
            return .authenticationFailed  // LAError.authenticationFailed
        case ("com.apple.LocalAuthentication", -7), ("com.apple.LocalAuthentication", -5):
            return .authenticationFailed  // biometry not enrolled, passcode not set
        case (NSOSStatusErrorDomain, Int(errSecUserCanceled)):
            return .userCancelled
        case (NSOSStatusErrorDomain, Int(errSecAuthFailed)):
            return .authenticationFailed
        default:
            return .platform("Secure Enclave failure (\(ns.domain) \(ns.code))")
        }
    }
}
#endif
