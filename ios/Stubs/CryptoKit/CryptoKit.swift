// A compile-only stub of the few CryptoKit APIs (Secure Enclave P-256 signing keys) that
// Sources/Monid/Platform/SecureEnclaveKeyStore.swift uses, so that it type-checks on Linux in CI
// (Package.swift adds this module on Linux only). Signatures follow the iOS 15+ SDK; nothing
// here does anything at run time: there is no Secure Enclave, and every key operation throws
// (by default a CryptoKit error; a test may choose the error, and whether `isAvailable` says
// true, through `StubSecureEnclave`, which is not an SDK API).
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
            public var x963Representation: Data { Data() }
        }

        public struct ECDSASignature {
            public var derRepresentation: Data { Data() }
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

        public init(isAvailable: Bool = false,
                    failure: any Error = CryptoKitError.underlyingCoreCryptoError(error: -1),
                    unwraps: Bool = false) {
            self.isAvailable = isAvailable
            self.failure = failure
            self.unwraps = unwraps
        }
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var current = Behaviour()

    public static var behaviour: Behaviour {
        get { lock.lock(); defer { lock.unlock() }; return current }
        set { lock.lock(); current = newValue; lock.unlock() }
    }
}

public enum SecureEnclave {
    public static var isAvailable: Bool { StubSecureEnclave.behaviour.isAvailable }

    public enum P256 {
        public enum Signing {
            public struct PrivateKey {
                public init(compactRepresentable: Bool = true, accessControl: SecAccessControl) throws {
                    throw StubSecureEnclave.behaviour.failure
                }

                public init(dataRepresentation: Data) throws {
                    let behaviour = StubSecureEnclave.behaviour
                    if !behaviour.unwraps { throw behaviour.failure }
                }

                public var dataRepresentation: Data { Data() }
                public var publicKey: CryptoKit.P256.Signing.PublicKey { CryptoKit.P256.Signing.PublicKey() }

                public func signature<D: DataProtocol>(for data: D) throws -> CryptoKit.P256.Signing.ECDSASignature {
                    throw StubSecureEnclave.behaviour.failure
                }
            }
        }
    }
}
