// A stub of the few LocalAuthentication APIs that Sources/Monid/Platform/SecureEnclaveKeyStore.swift
// uses, so that it type-checks on Linux in CI (Package.swift adds this module on Linux only).
// Signatures follow the iOS 15+ SDK (iOS 18's `domainState` included). There is no biometry
// here: what a context reports is set by the tests through `StubLocalAuthentication` (non-SDK).
import Foundation

/// The policies a context evaluates.
public enum LAPolicy: Int, Sendable {
    case deviceOwnerAuthenticationWithBiometrics = 1
    case deviceOwnerAuthentication = 2
}

/// Stand-in for Foundation's `NSErrorPointer` (an autoreleasing pointer, which Linux lacks);
/// the shell only passes nil.
public typealias NSErrorPointer = UnsafeMutablePointer<NSError?>?

/// LocalAuthentication's error domain.
public let LAErrorDomain: String = "com.apple.LocalAuthentication"

/// The authentication context.
open class LAContext: NSObject {
    override public init() {}

    /// True when `policy` can be evaluated: biometry enrolled (biometric policy) or a passcode
    /// set (owner authentication), as the test set them.
    open func canEvaluatePolicy(_ policy: LAPolicy, error: NSErrorPointer) -> Bool {
        let state = StubLocalAuthentication.state
        switch policy {
        case .deviceOwnerAuthenticationWithBiometrics: return state.biometryStateHash != nil
        case .deviceOwnerAuthentication: return state.passcodeSet || state.biometryStateHash != nil
        }
    }

    /// Deprecated in iOS 18 (replaced by `domainState`).
    open var evaluatedPolicyDomainState: Data? { StubLocalAuthentication.state.biometryStateHash }

    /// iOS 18+.
    open var domainState: LADomainState { LADomainState() }
}

/// iOS 18+.
open class LADomainState: NSObject {
    open var biometry: LADomainStateBiometry { LADomainStateBiometry() }
}

/// iOS 18+.
open class LADomainStateBiometry: NSObject {
    /// nil when no biometry is enrolled; changes when the enrolled faces / fingers change.
    open var stateHash: Data? { StubLocalAuthentication.state.biometryStateHash }
}

/// NOT an SDK API: what the stub's contexts report (tests set it; lock-protected).
public enum StubLocalAuthentication {
    public struct State: Sendable {
        /// The enrolled biometry's state hash; nil: no biometry enrolled (or locked out).
        public var biometryStateHash: Data?
        /// Whether a device passcode is set.
        public var passcodeSet: Bool

        public init(biometryStateHash: Data? = nil, passcodeSet: Bool = false) {
            self.biometryStateHash = biometryStateHash
            self.passcodeSet = passcodeSet
        }
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var current = State()

    public static var state: State {
        get { lock.lock(); defer { lock.unlock() }; return current }
        set { lock.lock(); current = newValue; lock.unlock() }
    }
}
