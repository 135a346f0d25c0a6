// A compile-only stub of the few CryptoKit APIs (Secure Enclave P-256 signing keys) that
// Sources/Monid/Platform/SecureEnclaveKeyStore.swift uses, so that it type-checks on Linux in CI
// (Package.swift adds this module on Linux only). Signatures follow the iOS 15+ SDK; nothing
// here does anything at run time: there is no Secure Enclave, and every call throws.
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

public enum SecureEnclave {
    public static var isAvailable: Bool { false }

    public enum P256 {
        public enum Signing {
            public struct PrivateKey {
                public init(compactRepresentable: Bool = true, accessControl: SecAccessControl) throws {
                    throw CryptoKitError.underlyingCoreCryptoError(error: -1)
                }

                public init(dataRepresentation: Data) throws {
                    throw CryptoKitError.underlyingCoreCryptoError(error: -1)
                }

                public var dataRepresentation: Data { Data() }
                public var publicKey: CryptoKit.P256.Signing.PublicKey { CryptoKit.P256.Signing.PublicKey() }

                public func signature<D: DataProtocol>(for data: D) throws -> CryptoKit.P256.Signing.ECDSASignature {
                    throw CryptoKitError.underlyingCoreCryptoError(error: -1)
                }
            }
        }
    }
}
