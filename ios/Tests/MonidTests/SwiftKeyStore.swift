import Foundation
@testable import Monid

#if canImport(COpenSSL)
import COpenSSL

/// A P-256 signing key in OpenSSL's libcrypto (EVP API, OpenSSL 3): the tests' key store signs
/// with it on Linux, where there is no CryptoKit. The private key never leaves the `EVP_PKEY`
/// (OpenSSL clears it when the key is freed).
final class P256Key: @unchecked Sendable {
    // Immutable after init; OpenSSL 3 allows concurrent signing with one EVP_PKEY (each
    // signature has its own EVP_MD_CTX).
    private let pkey: OpaquePointer

    init() throws {
        guard let ctx = EVP_PKEY_CTX_new_from_name(nil, "EC", nil) else { throw P256Key.failure("EVP_PKEY_CTX_new_from_name") }
        defer { EVP_PKEY_CTX_free(ctx) }
        guard EVP_PKEY_keygen_init(ctx) == 1 else { throw P256Key.failure("EVP_PKEY_keygen_init") }
        guard EVP_PKEY_CTX_set_group_name(ctx, "P-256") == 1 else { throw P256Key.failure("EVP_PKEY_CTX_set_group_name") }
        var key: OpaquePointer?
        guard EVP_PKEY_generate(ctx, &key) == 1, let key else { throw P256Key.failure("EVP_PKEY_generate") }
        pkey = key
    }

    deinit {
        EVP_PKEY_free(pkey)
    }

    /// SEC1 uncompressed public key (OpenSSL's default point format for EC keys).
    func publicKey() throws -> Data {
        var buf = [UInt8](repeating: 0, count: 133)
        var len = 0
        guard EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, &buf, buf.count, &len) == 1 else {
            throw P256Key.failure("EVP_PKEY_get_octet_string_param")
        }
        return Data(buf.prefix(len))
    }

    /// ECDSA over SHA-256 of `message`, DER `SEQUENCE { r, s }` (what `EVP_DigestSign` returns).
    func sign(_ message: Data) throws -> Data {
        guard let md = EVP_MD_CTX_new() else { throw P256Key.failure("EVP_MD_CTX_new") }
        defer { EVP_MD_CTX_free(md) }
        guard EVP_DigestSignInit(md, nil, EVP_sha256(), nil, pkey) == 1 else {
            throw P256Key.failure("EVP_DigestSignInit")
        }
        let bytes = [UInt8](message)
        var len = 0
        guard EVP_DigestSign(md, nil, &len, bytes, bytes.count) == 1, len > 0 else {
            throw P256Key.failure("EVP_DigestSign (length)")
        }
        var sig = [UInt8](repeating: 0, count: len)
        guard EVP_DigestSign(md, &sig, &len, bytes, bytes.count) == 1 else {
            throw P256Key.failure("EVP_DigestSign")
        }
        return Data(sig.prefix(len))
    }

    /// Checks a DER signature over `message` with this key's public half (for the tests of the
    /// store itself; the relying party checks receipts on its own).
    func verify(_ signature: Data, _ message: Data) -> Bool {
        guard let md = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(md) }
        guard EVP_DigestVerifyInit(md, nil, EVP_sha256(), nil, pkey) == 1 else { return false }
        let sig = [UInt8](signature)
        let msg = [UInt8](message)
        let ok = EVP_DigestVerify(md, sig, sig.count, msg, msg.count) == 1
        ERR_clear_error()
        return ok
    }

    /// OpenSSL failed: the function's name only (its error queue is cleared, not copied).
    private static func failure(_ step: String) -> DeviceKeyError {
        ERR_clear_error()
        return .Platform(reason: "OpenSSL \(step) failed")
    }
}
#elseif canImport(CryptoKit)
import CryptoKit

/// A P-256 signing key in CryptoKit (software), for `swift test` on a Mac.
final class P256Key: @unchecked Sendable {
    private let key = P256.Signing.PrivateKey()
    init() throws {}
    func publicKey() throws -> Data { key.publicKey.x963Representation }
    func sign(_ message: Data) throws -> Data { try key.signature(for: message).derRepresentation }
    func verify(_ signature: Data, _ message: Data) -> Bool {
        guard let s = try? P256.Signing.ECDSASignature(derRepresentation: signature) else { return false }
        return key.publicKey.isValidSignature(s, for: message)
    }
}
#endif

/// A ``DeviceKeyStore`` written in Swift: it owns its aliases, checks the options, signs with a
/// P-256 key held in Swift (OpenSSL on Linux) and throws the generated ``DeviceKeyError``. The
/// Rust code calls it back through the bindings' foreign trait.
final class SwiftKeyStore: DeviceKeyStore, @unchecked Sendable {
    private let lock = NSLock()
    private var keys: [String: P256Key] = [:]
    private var signatures = 0

    /// Signatures made so far.
    var signCount: Int { lock.lock(); defer { lock.unlock() }; return signatures }
    /// True when no signature was made on the main thread.
    private var onMain = false
    var neverSignedOnMain: Bool { lock.lock(); defer { lock.unlock() }; return !onMain }

    func generate(alias: String, options: DeviceKeyOptions) throws -> Data {
        // A software key meets neither requirement: refuse rather than downgrade.
        if options.hardwareRequired || options.userAuthenticationRequired {
            throw DeviceKeyError.HardwareUnavailable
        }
        guard !alias.isEmpty, alias.utf8.count <= 64 else {
            throw DeviceKeyError.Platform(reason: "alias must be 1 to 64 bytes")
        }
        lock.lock()
        defer { lock.unlock() }
        if keys[alias] != nil { throw DeviceKeyError.AlreadyExists }
        let key = try P256Key()
        let pub = try key.publicKey()
        guard pub.count == 65, pub.first == 0x04 else {
            throw DeviceKeyError.Corrupted(reason: "public key is not SEC1 uncompressed")
        }
        keys[alias] = key
        return pub
    }

    func publicKey(alias: String) throws -> Data {
        try key(alias).publicKey()
    }

    func sign(alias: String, message: Data) throws -> Data {
        let key = try key(alias)
        // Not under the lock: a platform store may prompt here for seconds.
        let signature = try key.sign(message)
        lock.lock()
        signatures += 1
        if Thread.isMainThread { onMain = true }
        lock.unlock()
        return signature
    }

    func delete(alias: String) throws {
        lock.lock()
        defer { lock.unlock() }
        guard keys.removeValue(forKey: alias) != nil else { throw DeviceKeyError.NotFound }
    }

    func attestation(alias: String, challenge: Data) throws -> [Data] {
        _ = try key(alias)
        return []  // a software key has no attestation
    }

    /// The aliases, sorted.
    var aliases: [String] { lock.lock(); defer { lock.unlock() }; return keys.keys.sorted() }

    /// Verifies `signature` with the key under `alias` (tests of the store itself).
    func verify(alias: String, signature: Data, message: Data) throws -> Bool {
        try key(alias).verify(signature, message)
    }

    private func key(_ alias: String) throws -> P256Key {
        lock.lock()
        defer { lock.unlock() }
        guard let key = keys[alias] else { throw DeviceKeyError.NotFound }
        return key
    }
}

/// A key store that fails as a platform's would, around a ``SwiftKeyStore``: `beforeSign` runs
/// on the signing thread and may throw (a declared ``DeviceKeyError`` or anything else) or block.
final class ScriptedKeyStore: DeviceKeyStore, @unchecked Sendable {
    let inner: SwiftKeyStore
    private let beforeSign: @Sendable () throws -> Void
    let signCalls = Counter()

    init(_ inner: SwiftKeyStore, beforeSign: @escaping @Sendable () throws -> Void) {
        self.inner = inner
        self.beforeSign = beforeSign
    }

    func generate(alias: String, options: DeviceKeyOptions) throws -> Data {
        try inner.generate(alias: alias, options: options)
    }
    func publicKey(alias: String) throws -> Data { try inner.publicKey(alias: alias) }
    func sign(alias: String, message: Data) throws -> Data {
        signCalls.increment()
        try beforeSign()
        return try inner.sign(alias: alias, message: message)
    }
    func delete(alias: String) throws { try inner.delete(alias: alias) }
    func attestation(alias: String, challenge: Data) throws -> [Data] {
        try inner.attestation(alias: alias, challenge: challenge)
    }
}

/// An error a key store does not declare.
struct KeyStoreBug: Error, CustomStringConvertible {
    var description: String { "KeyStoreBug(simulated)" }
}
