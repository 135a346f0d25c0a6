// A stub of the few CryptoKit APIs (Secure Enclave P-256 signing keys) that
// Sources/Monid/Platform/SecureEnclaveKeyStore.swift uses, so that it type-checks on Linux in CI
// (Package.swift adds this module on Linux only). Signatures follow the iOS 15+ SDK. There is no
// Secure Enclave and no cryptography: by default every key operation throws (a CryptoKit error;
// a test may choose the error, whether `isAvailable` says true, and whether keys are "made" and
// "sign" with fixed bytes, through `StubSecureEnclave`, which is not an SDK API).
import Foundation
import Security

public enum CryptoKitError: Error {
    case incorrectKeySize
    case incorrectParameterSize
    case authenticationFailure
    case underlyingCoreCryptoError(error: Int32)
    case wrapFailure
    case unwrapFailure
    case invalidParameter
}

public enum P256 {
    public enum Signing {
        public struct PublicKey {
            let stubX963: Data
            public var x963Representation: Data { stubX963 }
        }

        public struct ECDSASignature {
            let stubDER: Data
            public var derRepresentation: Data { stubDER }
        }
    }
}

/// NOT an SDK API: how the stub's Secure Enclave behaves (tests set it; lock-protected).
public enum StubSecureEnclave {
    public struct Behaviour: @unchecked Sendable {
        /// What `SecureEnclave.isAvailable` answers.
        public var isAvailable: Bool
        /// What every key operation (create, unwrap a blob, sign) throws.
        public var failure: any Error
        /// When true, a blob unwraps (to a key with an empty public key) and only signing throws.
        public var unwraps: Bool
        /// When true, nothing throws: keys are made and blobs unwrap (to ``stubBlob`` and
        /// ``stubPublicKey``), and signatures are ``stubSignature``.
        public var works: Bool

        public init(isAvailable: Bool = false,
                    failure: any Error = CryptoKitError.underlyingCoreCryptoError(error: -1),
                    unwraps: Bool = false, works: Bool = false) {
            self.isAvailable = isAvailable
            self.failure = failure
            self.unwraps = unwraps
            self.works = works
        }
    }

    /// What a working stub key's blob, public key (SEC1 uncompressed) and signatures are.
    public static let stubBlob = Data(repeating: 0xB1, count: 96)
    public static let stubPublicKey = Data([0x04] + [UInt8](repeating: 0x11, count: 64))
    public static let stubSignature = Data([0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01])

    private static let lock = NSLock()
    nonisolated(unsafe) private static var current = Behaviour()
    nonisolated(unsafe) private static var accessControl: SecAccessControlCreateFlags?

    public static var behaviour: Behaviour {
        get { lock.lock(); defer { lock.unlock() }; return current }
        set { lock.lock(); current = newValue; accessControl = nil; lock.unlock() }
    }

    /// The access-control flags of the last key creation asked for since `behaviour` was set
    /// (whether or not it succeeded).
    public static var lastAccessControl: SecAccessControlCreateFlags? {
        lock.lock(); defer { lock.unlock() }; return accessControl
    }

    static func asked(_ flags: SecAccessControlCreateFlags) {
        lock.lock(); accessControl = flags; lock.unlock()
    }
}

public enum SecureEnclave {
    public static var isAvailable: Bool { StubSecureEnclave.behaviour.isAvailable }

    public enum P256 {
        public enum Signing {
            public struct PrivateKey {
                private let works: Bool

                public init(compactRepresentable: Bool = true, accessControl: SecAccessControl) throws {
                    StubSecureEnclave.asked(accessControl.stubFlags)
                    let behaviour = StubSecureEnclave.behaviour
                    if !behaviour.works { throw behaviour.failure }
                    works = true
                }

                public init(dataRepresentation: Data) throws {
                    let behaviour = StubSecureEnclave.behaviour
                    if !behaviour.unwraps && !behaviour.works { throw behaviour.failure }
                    works = behaviour.works
                }

                public var dataRepresentation: Data { works ? StubSecureEnclave.stubBlob : Data() }
                public var publicKey: CryptoKit.P256.Signing.PublicKey {
                    CryptoKit.P256.Signing.PublicKey(stubX963: works ? StubSecureEnclave.stubPublicKey : Data())
                }

                public func signature<D: DataProtocol>(for data: D) throws -> CryptoKit.P256.Signing.ECDSASignature {
                    let behaviour = StubSecureEnclave.behaviour
                    if !behaviour.works { throw behaviour.failure }
                    return CryptoKit.P256.Signing.ECDSASignature(stubDER: StubSecureEnclave.stubSignature)
                }
            }
        }
    }
}
