import Foundation
@testable import Monid

/// The tests' transport, written in Swift: forwards each APDU to the virtual card's `process`,
/// counts APDUs, and lets a test act (block, throw) before an APDU is sent.
final class ForwardingTransport: NfcTransport, @unchecked Sendable {
    private let card: VirtualCard
    private let beforeSend: @Sendable (Int) throws -> Void
    private let lock = NSLock()
    private var count = 0
    private var _offMain = true

    init(_ card: VirtualCard, beforeSend: @escaping @Sendable (Int) throws -> Void = { _ in }) {
        self.card = card
        self.beforeSend = beforeSend
    }

    /// APDUs this transport delivered to the card (not counting ones it refused).
    var apdus: Int { lock.lock(); defer { lock.unlock() }; return count }
    /// False if any APDU was sent from the main thread.
    var alwaysOffMain: Bool { lock.lock(); defer { lock.unlock() }; return _offMain }

    func transceive(apdu: Data) throws -> Data {
        let index = apdus
        lock.lock()
        if Thread.isMainThread { _offMain = false }
        lock.unlock()
        try beforeSend(index)
        lock.lock(); count += 1; lock.unlock()
        return try card.process(apdu: apdu)
    }

    func info() throws -> TransportInfo { card.info() }
}

/// A transport that throws `TransportError.TagLost` once `lose` returns true.
final class LosingTransport: NfcTransport, @unchecked Sendable {
    private let card: VirtualCard
    private let lose: @Sendable () -> Bool
    private let lock = NSLock()
    private var delivered = 0
    private var tries = 0

    init(_ card: VirtualCard, lose: @escaping @Sendable () -> Bool) {
        self.card = card
        self.lose = lose
    }

    /// APDUs delivered to the card.
    var apdus: Int { lock.lock(); defer { lock.unlock() }; return delivered }
    /// Calls of transceive, including the ones refused with TagLost.
    var attempts: Int { lock.lock(); defer { lock.unlock() }; return tries }

    func transceive(apdu: Data) throws -> Data {
        lock.lock(); tries += 1; lock.unlock()
        if lose() { throw TransportError.TagLost }
        lock.lock(); delivered += 1; lock.unlock()
        return try card.process(apdu: apdu)
    }

    func info() throws -> TransportInfo { card.info() }
}

/// A thread-safe flag / counter for callbacks.
final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
    func set() { lock.lock(); value = true; lock.unlock() }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    var value: Int { lock.lock(); defer { lock.unlock() }; return n }
    func increment() { lock.lock(); n += 1; lock.unlock() }
}

/// Sets a flag once DG2 has `threshold` bytes (a listener on the reading thread).
final class Dg2Watch: ReadProgressListener, @unchecked Sendable {
    let reached = Flag()
    let threshold: UInt64
    init(threshold: UInt64) { self.threshold = threshold }
    func onProgress(progress: ReadProgress) throws {
        if progress.step == .readFile && progress.file == .dg2 && progress.fileBytes >= threshold {
            reached.set()
        }
    }
}

/// An error type the transport does not declare.
struct TransportBug: Error, CustomStringConvertible {
    var description: String { "TransportBug(simulated)" }
}

/// A listener that always throws.
final class ThrowingListener: ReadProgressListener, @unchecked Sendable {
    let calls = Counter()
    func onProgress(progress: ReadProgress) throws {
        calls.increment()
        throw TransportBug()
    }
}

enum Fixture {
    /// Within the validity of the test PKI (see test-vectors/pki/SOURCE.md): 2025-11-24.
    static let now: Int64 = 1_764_000_000

    static func trust() -> TrustStore {
        let store = TrustStore()
        _ = store.addPemBundle(pem: virtualCardTrustAnchorsPem())
        return store
    }

    static func wrongCan(for card: VirtualCard) -> String {
        card.can() == "123456" ? "654321" : "123456"
    }
}

/// How `task` ended, or nil when it did not end within `seconds` (a hang). Never waits longer.
/// The bound only catches hangs: it is generous so that a loaded machine cannot trip it.
func outcome<T: Sendable>(of task: Task<T, any Error>, within seconds: Double = 30) async -> Result<T, any Error>? {
    let first = FirstOf<Result<T, any Error>?>()
    let timer = Task {
        do { try await Task.sleep(nanoseconds: UInt64(seconds * 1_000_000_000)) } catch { return }
        first.resume(nil)
    }
    defer { timer.cancel() }
    return await withCheckedContinuation { (cont: CheckedContinuation<Result<T, any Error>?, Never>) in
        first.install(cont)
        Task {
            do { first.resume(.success(try await task.value)) } catch { first.resume(.failure(error)) }
        }
    }
}

/// Resumes a continuation with the first value offered.
final class FirstOf<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var cont: CheckedContinuation<T, Never>?
    private var pending: [T] = []
    private var done = false

    func install(_ c: CheckedContinuation<T, Never>) {
        lock.lock()
        if let v = pending.first {
            done = true
            lock.unlock()
            c.resume(returning: v)
            return
        }
        cont = c
        lock.unlock()
    }

    func resume(_ v: T) {
        lock.lock()
        guard !done else { lock.unlock(); return }
        guard let c = cont else { pending.append(v); lock.unlock(); return }
        cont = nil
        done = true
        lock.unlock()
        c.resume(returning: v)
    }
}
