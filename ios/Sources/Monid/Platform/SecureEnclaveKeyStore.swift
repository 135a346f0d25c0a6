#if canImport(CryptoKit) && canImport(Security) && canImport(LocalAuthentication)
import CryptoKit
import Foundation
import LocalAuthentication
import Security

/// A ``DeviceKeyStore`` whose P-256 signing keys live in the Secure Enclave: the private key
/// never leaves it. CryptoKit hands back an opaque blob (the key wrapped by the Secure Enclave,
/// useless on any other device), which is kept in the keychain as a generic password
/// (`kSecAttrAccessibleWhenUnlockedThisDeviceOnly`, so it is neither synced nor restored to
/// another device).
///
/// - `userAuthenticationRequired`: each signature asks for the user, as ``UserAuthentication``
///   says (chosen when the store is made; by default Face ID / Touch ID of the enrolled set OR
///   the device passcode, the Android store's policy, so that users without biometry can sign).
///   `generate` refuses with ``DeviceKeyError/HardwareUnavailable`` when the policy cannot be
///   met on this device (no passcode set; for ``UserAuthentication/biometryCurrentSet`` no
///   enrolled biometry).
/// - `hardwareRequired` is always met or refused: without a Secure Enclave (simulator, old
///   device) `generate` throws ``DeviceKeyError/HardwareUnavailable``; this store never falls
///   back to software keys.
/// - `attestation` returns an empty chain: iOS has no key attestation for Secure Enclave keys
///   (App Attest attests the app, not a given key).
///
/// Errors: ``DeviceKeyError/KeyInvalidated`` (delete the alias, generate, enrol again) ONLY
/// when the key is gone for good: the keychain / CryptoTokenKit say the key object no longer
/// exists, or the key needs the enrolled biometry and the enrolled faces / fingers changed
/// since it last worked (the biometric domain state recorded with it differs from the current
/// one) while the enclave refuses the key. Transient failures keep their own cases:
/// the user dismissing the prompt ``DeviceKeyError/UserCancelled``, a locked device or no UI
/// (interaction not allowed) or a biometry lockout ``DeviceKeyError/AuthenticationFailed``, the
/// enclave busy or unreachable and anything unknown ``DeviceKeyError/Platform`` (try again).
///
/// The biometric domain state is recorded at `generate` (and again after a signature, when it
/// differs or cannot be compared: the key works with the biometry enrolled now) with the API
/// that gave it (`LAContext.evaluatedPolicyDomainState` before iOS 18 / macOS 15,
/// `LAContext.domainState.biometry.stateHash` from then on) and the major OS version. States are
/// compared only when both came from the same API under the same major OS version: Apple warns
/// that the value can change between major OS versions although the enrolled biometry did not,
/// and the two APIs' values are not comparable. Any other state (another API or OS version, or
/// a record without them, made by an earlier version of this store) is unknown, never a reason
/// for `KeyInvalidated`. Residual risks: Apple reserves the right to change the value
/// exceptionally at other times too, and then a transient refusal of the key is reported as
/// `KeyInvalidated` (the app deletes a key that still worked, and the user enrols again); and
/// after an OS upgrade a change of the enrolled biometry goes undetected until the key signs
/// once (a key the enclave refuses for good then fails with the enclave's own error, which is
/// `KeyInvalidated` only for the key-gone codes).
///
/// It conforms to the generated ``DeviceKeyStore`` protocol (the bindings' foreign trait), so
/// it is handed as is to `createReceipt` / `enrol` or ``MonidReceipts``, and throws the
/// generated ``DeviceKeyError``: Rust maps those cases to ``ReceiptError`` (`KeyInvalidated`,
/// `UserCancelled`...). Every error is mapped here, so nothing arrives in Rust as `Unexpected`.
///
/// NOT VERIFIED ON A DEVICE: compiled in CI on Linux against stubs of CryptoKit, Security and
/// LocalAuthentication (the stubs keep a keychain in memory and let the tests choose what the
/// enclave throws and what the biometry reports, so the keychain logic and the error mapping
/// run).
public final class SecureEnclaveKeyStore: DeviceKeyStore, @unchecked Sendable {
    /// Who must authenticate for each signature of a key made with
    /// `userAuthenticationRequired` (the `SecAccessControlCreateFlags` added to
    /// `.privateKeyUsage`).
    public enum UserAuthentication: Sendable, Equatable {
        /// Face ID / Touch ID of the currently enrolled set, or the device passcode
        /// (`[.biometryCurrentSet, .or, .devicePasscode]`): as the Android store
        /// (`AUTH_BIOMETRIC_STRONG or AUTH_DEVICE_CREDENTIAL`). Needs a passcode. Whether iOS
        /// still accepts the passcode after the enrolled faces / fingers changed was not
        /// observed on a device here; if it does not, the store reports `KeyInvalidated`.
        case biometryOrPasscode
        /// Face ID / Touch ID of the currently enrolled set only (`.biometryCurrentSet`): the
        /// strictest; a change of the enrolled faces / fingers invalidates the key, and a user
        /// without enrolled biometry cannot create (or use) it.
        case biometryCurrentSet
        /// Any user presence (`.userPresence`): any enrolled biometry (a re-enrolment does not
        /// invalidate the key) or the device passcode.
        case userPresence

        /// The access-control flags for a key that requires user authentication.
        var flags: SecAccessControlCreateFlags {
            switch self {
            case .biometryOrPasscode: return [.biometryCurrentSet, .or, .devicePasscode]
            case .biometryCurrentSet: return [.biometryCurrentSet]
            case .userPresence: return [.userPresence]
            }
        }

        /// True when the key is bound to the enrolled biometry (its state is recorded).
        var bindsBiometry: Bool { self != .userPresence }
    }

    /// The keychain service under which the wrapped keys are stored.
    public let service: String
    /// The user authentication of keys made with `userAuthenticationRequired`.
    public let userAuthentication: UserAuthentication
    /// Guards the keychain's check-then-add in `generate`, `delete` and the state recorded
    /// after a signature (the platform calls are thread-safe; the sequences are not). Never held while the Secure Enclave signs.
    private let lock = NSLock()
    /// Reads the current biometric domain state (``currentBiometryState()``; the tests choose
    /// the API and the OS version).
    private let readBiometryState: @Sendable () -> BiometryState?

    public convenience init(service: String = "org.monid.device-keys",
                            userAuthentication: UserAuthentication = .biometryOrPasscode) {
        self.init(service: service, userAuthentication: userAuthentication,
                  biometryState: { SecureEnclaveKeyStore.currentBiometryState() })
    }

    init(service: String, userAuthentication: UserAuthentication,
         biometryState: @escaping @Sendable () -> BiometryState?) {
        self.service = service
        self.userAuthentication = userAuthentication
        self.readBiometryState = biometryState
    }

    /// The keychain service of the biometric domain states recorded with the keys (one item
    /// per alias, next to the key blobs).
    var biometryStateService: String { service + ".biometry-state" }

    /// Creates the key in the Secure Enclave. `hardwareRequired` is always met (or
    /// ``DeviceKeyError/HardwareUnavailable``); `userAuthenticationRequired` adds
    /// ``userAuthentication``'s flags.
    public func generate(alias: String, options: DeviceKeyOptions) throws -> Data {
        lock.lock()
        defer { lock.unlock() }
        if try loadBlob(alias, service: service) != nil { throw DeviceKeyError.AlreadyExists }
        guard SecureEnclave.isAvailable else { throw DeviceKeyError.HardwareUnavailable }
        var flags: SecAccessControlCreateFlags = [.privateKeyUsage]
        var biometryState: BiometryState?
        if options.userAuthenticationRequired {
            // Refuse a policy this device cannot meet now, instead of a key that never signs.
            let context = LAContext()
            let policy: LAPolicy = userAuthentication == .biometryCurrentSet
                ? .deviceOwnerAuthenticationWithBiometrics : .deviceOwnerAuthentication
            guard context.canEvaluatePolicy(policy, error: nil) else {
                throw DeviceKeyError.HardwareUnavailable
            }
            flags.formUnion(userAuthentication.flags)
            if userAuthentication.bindsBiometry { biometryState = readBiometryState() }
        }
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
        let publicKey = try Self.checkedPublicKey(key.publicKey.x963Representation)
        try storeBlob(alias, key.dataRepresentation, service: service)
        // A state left by an earlier key under this alias is not this key's.
        _ = SecItemDelete(query(alias, service: biometryStateService) as CFDictionary)
        if let biometryState {
            // Best effort: without it a later failure is just not read as an invalidation.
            try? storeBlob(alias, biometryState.record, service: biometryStateService)
        }
        return publicKey
    }

    public func publicKey(alias: String) throws -> Data {
        let key = try loadKey(alias)
        return try Self.checkedPublicKey(key.publicKey.x963Representation)
    }

    public func sign(alias: String, message: Data) throws -> Data {
        let (key, blob) = try loadKeyAndBlob(alias)
        let signature: Data
        do {
            // May show the biometric prompt: Rust calls this on the receipt's own thread.
            signature = try key.signature(for: message).derRepresentation
        } catch {
            throw failure(error, alias: alias)
        }
        recordBiometryStateAfterUse(alias, blob: blob)
        return signature
    }

    public func delete(alias: String) throws {
        lock.lock()
        defer { lock.unlock() }
        _ = SecItemDelete(query(alias, service: biometryStateService) as CFDictionary)
        let status = SecItemDelete(query(alias, service: service) as CFDictionary)
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

    // MARK: biometry

    /// A biometric domain state as recorded with a key: the opaque value (it changes when faces
    /// / fingers are enrolled or removed), the API that gave it, and the major OS version.
    struct BiometryState: Codable, Equatable, Sendable {
        enum Source: String, Codable, Sendable {
            /// `LAContext.evaluatedPolicyDomainState` (before iOS 18 / macOS 15 / Mac Catalyst 18
            /// / visionOS 2).
            case evaluatedPolicyDomainState
            /// `LAContext.domainState.biometry.stateHash` (from iOS 18 / macOS 15 / Mac Catalyst
            /// 18 / visionOS 2).
            case domainStateBiometry
        }

        /// The record's layout (1).
        var format = 1
        var source: Source
        var osMajor: Int
        var hash: Data

        init(source: Source, osMajor: Int, hash: Data) {
            self.source = source
            self.osMajor = osMajor
            self.hash = hash
        }

        /// The keychain record.
        var record: Data {
            // Encoding these fields cannot fail.
            (try? JSONEncoder().encode(self)) ?? Data()
        }

        /// A record read back; nil for anything else (a bare state written by an earlier
        /// version of this store, another layout, damage).
        init?(record: Data) {
            guard let state = try? JSONDecoder().decode(Self.self, from: record), state.format == 1 else {
                return nil
            }
            self = state
        }

        /// Whether the enrolled biometry changed from `self` to `current`; nil when the two
        /// cannot be compared (another API, or another major OS version: Apple may change the
        /// value across major versions without any change of the enrolled faces / fingers).
        func changed(to current: BiometryState) -> Bool? {
            guard source == current.source, osMajor == current.osMajor else { return nil }
            return hash != current.hash
        }
    }

    /// The enrolled biometry's domain state from this OS's API, nil when biometry cannot be
    /// evaluated now (none enrolled, locked out).
    static func currentBiometryState() -> BiometryState? {
        let os = ProcessInfo.processInfo.operatingSystemVersion.majorVersion
        if #available(iOS 18.0, macOS 15.0, macCatalyst 18.0, visionOS 2.0, *) {
            return biometryState(from: .domainStateBiometry, osMajor: os)
        }
        return biometryState(from: .evaluatedPolicyDomainState, osMajor: os)
    }

    /// The enrolled biometry's domain state as `source` gives it now, tagged with `osMajor`; nil
    /// when biometry cannot be evaluated now or `source` does not exist on this OS.
    static func biometryState(from source: BiometryState.Source, osMajor: Int) -> BiometryState? {
        let context = LAContext()
        guard context.canEvaluatePolicy(.deviceOwnerAuthenticationWithBiometrics, error: nil) else {
            return nil
        }
        let hash: Data?
        switch source {
        case .domainStateBiometry:
            guard #available(iOS 18.0, macOS 15.0, macCatalyst 18.0, visionOS 2.0, *) else { return nil }
            hash = context.domainState.biometry.stateHash
        case .evaluatedPolicyDomainState:
            hash = context.evaluatedPolicyDomainState
        }
        return hash.map { BiometryState(source: source, osMajor: osMajor, hash: $0) }
    }

    /// True only when the key's recorded biometric state and the current one are both known,
    /// comparable (same API, same major OS version) and differ: the enrolled faces / fingers
    /// changed since the key last worked. Anything else (no record, a record from another API
    /// or OS version or an earlier layout, biometry locked out or unenrolled right now) is
    /// false: never read as an invalidation.
    func biometryChanged(since alias: String) -> Bool {
        guard let data = try? loadBlob(alias, service: biometryStateService),
              let recorded = BiometryState(record: data),
              let current = readBiometryState()
        else { return false }
        return recorded.changed(to: current) == true
    }

    /// After the key with `blob` signed: it works with the biometry enrolled now, so its
    /// recorded state becomes the current one when it differs or cannot be compared (recorded
    /// by another API or under another major OS version, or in an earlier layout), and later
    /// failures are compared with a state from this OS again. Only for a key that has a record
    /// (bound to the biometry), and only if the alias still holds that key. Best effort.
    private func recordBiometryStateAfterUse(_ alias: String, blob: Data) {
        guard let current = readBiometryState() else { return }
        lock.lock()
        defer { lock.unlock() }
        guard let data = try? loadBlob(alias, service: biometryStateService),
              BiometryState(record: data) != current,
              (try? loadBlob(alias, service: service)) == blob
        else { return }
        _ = SecItemDelete(query(alias, service: biometryStateService) as CFDictionary)
        try? storeBlob(alias, current.record, service: biometryStateService)
    }

    /// Maps a failure of the Secure Enclave with this key: cancels and "no UI now" keep their
    /// case; otherwise a changed biometry makes it ``DeviceKeyError/KeyInvalidated``; otherwise
    /// ``map(_:)``.
    func failure(_ error: any Error, alias: String) -> DeviceKeyError {
        let mapped = Self.map(error)
        switch mapped {
        case .UserCancelled, .Cancelled, .KeyInvalidated:
            return mapped
        default:
            if Self.isInteractionNotAllowed(error) { return mapped }
            return biometryChanged(since: alias) ? .KeyInvalidated : mapped
        }
    }

    // MARK: keychain

    private func query(_ alias: String, service: String) -> [String: Any] {
        [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: service,
            kSecAttrAccount as String: alias,
        ]
    }

    private func storeBlob(_ alias: String, _ blob: Data, service: String) throws {
        var q = query(alias, service: service)
        q[kSecValueData as String] = blob
        q[kSecAttrAccessible as String] = kSecAttrAccessibleWhenUnlockedThisDeviceOnly
        let status = SecItemAdd(q as CFDictionary, nil)
        switch status {
        case errSecSuccess: return
        case errSecDuplicateItem: throw DeviceKeyError.AlreadyExists
        default: throw DeviceKeyError.Platform(reason: "keychain add failed (OSStatus \(status))")
        }
    }

    private func loadBlob(_ alias: String, service: String) throws -> Data? {
        var q = query(alias, service: service)
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
        try loadKeyAndBlob(alias).key
    }

    private func loadKeyAndBlob(_ alias: String) throws -> (key: SecureEnclave.P256.Signing.PrivateKey, blob: Data) {
        lock.lock()
        let blob = try { defer { lock.unlock() }; return try loadBlob(alias, service: service) }()
        guard let blob else { throw DeviceKeyError.NotFound }
        do {
            return (try SecureEnclave.P256.Signing.PrivateKey(dataRepresentation: blob), blob)
        } catch {
            // Not necessarily an invalidated key: the prompt dismissed, the device locked, the
            // enclave busy... `failure` tells them apart.
            throw failure(error, alias: alias)
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
    /// user's biometry state and are dropped). `KeyInvalidated` only for the codes saying the
    /// key object no longer exists; ``failure(_:alias:)`` adds the biometry check. Best effort:
    /// the codes are the SDK's, but which one iOS raises in which situation was NOT observed on
    /// a device here.
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
        // notInteractive (no UI now); the keychain's interaction not allowed (device locked).
        case (Self.laDomain, -1), (Self.laDomain, -5), (Self.laDomain, -7), (Self.laDomain, -8),
             (Self.laDomain, -1004), (NSOSStatusErrorDomain, Int(errSecInteractionNotAllowed)):
            return .AuthenticationFailed
        // LAError.biometryNotAvailable: the required user authentication cannot happen.
        case (Self.laDomain, -6):
            return .HardwareUnavailable
        // TKError: canceledByUser; authenticationFailed, authenticationNeeded; objectNotFound
        // (the enclave no longer holds the key the blob refers to); communicationError,
        // tokenNotFound (the enclave busy or unreachable: transient).
        case (Self.ctkDomain, -4):
            return .UserCancelled
        case (Self.ctkDomain, -5), (Self.ctkDomain, -9):
            return .AuthenticationFailed
        case (Self.ctkDomain, -6):
            return .KeyInvalidated
        case (Self.ctkDomain, -2), (Self.ctkDomain, -7):
            return .Platform(reason: "Secure Enclave busy or unreachable (\(ns.domain) \(ns.code)); try again")
        case (NSOSStatusErrorDomain, Int(errSecUserCanceled)):
            return .UserCancelled
        case (NSOSStatusErrorDomain, Int(errSecAuthFailed)):
            return .AuthenticationFailed
        case (NSOSStatusErrorDomain, Int(errSecItemNotFound)):
            // The key object is gone (a biometryCurrentSet key after a change of the enrolled
            // faces / fingers).
            return .KeyInvalidated
        case (NSOSStatusErrorDomain, Int(errSecNotAvailable)):
            return .HardwareUnavailable
        default:
            return .Platform(reason: "Secure Enclave failure (\(ns.domain) \(ns.code))")
        }
    }

    /// LocalAuthentication's notInteractive or the keychain's interaction not allowed: the user
    /// cannot be asked now (device locked, app in the background).
    static func isInteractionNotAllowed(_ error: any Error) -> Bool {
        let ns = error as NSError
        return (ns.domain == laDomain && ns.code == -1004)
            || (ns.domain == NSOSStatusErrorDomain && ns.code == Int(errSecInteractionNotAllowed))
    }

    static let laDomain = "com.apple.LocalAuthentication"
    static let ctkDomain = "CryptoTokenKit"
}
#endif
