// A compile-only stub of the few Security (Keychain, access control) APIs that
// Sources/Monid/Platform/SecureEnclaveKeyStore.swift uses, so that it type-checks on Linux in CI
// (Package.swift adds this module on Linux only). The Core Foundation types are stand-ins
// (Linux Foundation exports none of them). The keychain is a dictionary in memory (generic
// passwords by service and account), so the key store's keychain logic and error mapping run in
// the tests; nothing else does anything (access control creation answers an object that only
// keeps its flags, for the CryptoKit stub to report).
import Foundation

/// Stand-ins for the Core Foundation types the SDK imports with Security.
public typealias CFDictionary = [String: Any]
public typealias CFTypeRef = AnyObject
public typealias CFString = String
public typealias OSStatus = Int32

public let errSecSuccess: OSStatus = 0
public let errSecItemNotFound: OSStatus = -25300
public let errSecDuplicateItem: OSStatus = -25299
public let errSecAuthFailed: OSStatus = -25293
public let errSecUserCanceled: OSStatus = -128
public let errSecInteractionNotAllowed: OSStatus = -25308
public let errSecNotAvailable: OSStatus = -25291
public let errSecParam: OSStatus = -50

public let kSecClass: CFString = "class"
public let kSecClassGenericPassword: CFString = "genp"
public let kSecAttrService: CFString = "svce"
public let kSecAttrAccount: CFString = "acct"
public let kSecAttrAccessible: CFString = "pdmn"
public let kSecAttrAccessibleWhenUnlockedThisDeviceOnly: CFString = "aku"
public let kSecValueData: CFString = "v_Data"
public let kSecReturnData: CFString = "r_Data"
public let kSecMatchLimit: CFString = "m_Limit"
public let kSecMatchLimitOne: CFString = "m_LimitOne"
public let kSecUseDataProtectionKeychain: CFString = "nleg"

public final class SecAccessControl: @unchecked Sendable {
    /// NOT an SDK API: the flags it was created with.
    public let stubFlags: SecAccessControlCreateFlags
    init(stubFlags: SecAccessControlCreateFlags) { self.stubFlags = stubFlags }
}

public struct SecAccessControlCreateFlags: OptionSet, Sendable {
    public let rawValue: UInt
    public init(rawValue: UInt) { self.rawValue = rawValue }
    public static let userPresence = SecAccessControlCreateFlags(rawValue: 1 << 0)
    public static let biometryAny = SecAccessControlCreateFlags(rawValue: 1 << 1)
    public static let biometryCurrentSet = SecAccessControlCreateFlags(rawValue: 1 << 3)
    public static let devicePasscode = SecAccessControlCreateFlags(rawValue: 1 << 4)
    public static let or = SecAccessControlCreateFlags(rawValue: 1 << 14)
    public static let and = SecAccessControlCreateFlags(rawValue: 1 << 15)
    public static let privateKeyUsage = SecAccessControlCreateFlags(rawValue: 1 << 30)
}

public func SecAccessControlCreateWithFlags(
    _ allocator: AnyObject?, _ protection: Any, _ flags: SecAccessControlCreateFlags,
    _ error: UnsafeMutableRawPointer?
) -> SecAccessControl? {
    SecAccessControl(stubFlags: flags)
}

/// The stub's keychain: generic-password data by (service, account).
final class StubKeychain: @unchecked Sendable {
    static let shared = StubKeychain()
    private let lock = NSLock()
    private var items: [String: Data] = [:]

    static func key(_ q: CFDictionary) -> String? {
        guard let service = q[kSecAttrService] as? String, let account = q[kSecAttrAccount] as? String else {
            return nil
        }
        return service + "\u{0}" + account
    }

    func add(_ key: String, _ data: Data) -> OSStatus {
        lock.lock()
        defer { lock.unlock() }
        if items[key] != nil { return errSecDuplicateItem }
        items[key] = data
        return errSecSuccess
    }

    func get(_ key: String) -> Data? {
        lock.lock()
        defer { lock.unlock() }
        return items[key]
    }

    func remove(_ key: String) -> OSStatus {
        lock.lock()
        defer { lock.unlock() }
        return items.removeValue(forKey: key) == nil ? errSecItemNotFound : errSecSuccess
    }
}

public func SecItemAdd(_ attributes: CFDictionary, _ result: UnsafeMutablePointer<CFTypeRef?>?) -> OSStatus {
    guard let key = StubKeychain.key(attributes), let data = attributes[kSecValueData] as? Data else {
        return errSecParam
    }
    return StubKeychain.shared.add(key, data)
}

public func SecItemCopyMatching(_ query: CFDictionary, _ result: UnsafeMutablePointer<CFTypeRef?>?) -> OSStatus {
    guard let key = StubKeychain.key(query) else { return errSecParam }
    guard let data = StubKeychain.shared.get(key) else { return errSecItemNotFound }
    result?.pointee = data as AnyObject
    return errSecSuccess
}

public func SecItemDelete(_ query: CFDictionary) -> OSStatus {
    guard let key = StubKeychain.key(query) else { return errSecParam }
    return StubKeychain.shared.remove(key)
}
