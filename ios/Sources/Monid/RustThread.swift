import Foundation

/// The dedicated threads that run the blocking Rust calls (reads, receipts, and the async
/// wrappers in MonidAsync.swift), each with an explicit stack size.
///
/// Why the stack size: iOS gives every secondary thread, Foundation `Thread`s and the threads
/// of Swift's cooperative pool alike, 512 KiB of stack by default; only the main thread has
/// more. The Rust core runs deep call chains on the caller's thread (PACE and secure messaging,
/// CMS and X.509 parsing for passive authentication, the JPEG 2000 decoder, COSE and ECDH for
/// receipts), and Rust's own threads and test harness run them on 2 MiB stacks. A stack
/// overflow is not an error that can be caught: it kills the app. 4 MiB gives the core twice
/// what it is tested with.
enum RustThread {
    /// The stack size of each thread (4 MiB).
    static let stackSize = 4 << 20

    /// Starts `body` on a new thread named `name`, with ``stackSize`` bytes of stack.
    static func start(name: String, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread {
            // Named from inside: Linux Foundation does not apply a name set before start.
            Thread.current.name = name
            body()
        }
        thread.stackSize = stackSize
        thread.start()
    }

    /// Runs `work` on a new thread and returns its result. Cancellation: a task already
    /// cancelled throws `CancellationError` without starting the work; a task cancelled while
    /// the work runs throws `CancellationError` at once, and the work (which Rust cannot
    /// interrupt) finishes on its thread with its result dropped.
    static func run<T: Sendable>(name: String, _ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await run(name: name, startingWith: start, work)
    }

    /// ``run(name:_:)`` starting its thread with `starter` (the tests count the threads
    /// started). `starter` is called before `run` returns, or never.
    static func run<T: Sendable>(name: String, startingWith starter: (String, @escaping @Sendable () -> Void) -> Void,
                                 _ work: @escaping @Sendable () throws -> T) async throws -> T {
        let once = OnceContinuation<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (cont: CheckedContinuation<T, any Error>) in
                guard once.install(cont) else { return }  // cancelled before: never start
                starter(name) {
                    once.resume(Result { try work() })
                }
            }
        } onCancel: {
            once.resume(.failure(CancellationError()))
        }
    }
}

/// A continuation resumed exactly once, by whichever comes first: the work's result or the
/// cancellation (which may come before the continuation is installed).
final class OnceContinuation<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var cont: CheckedContinuation<T, any Error>?
    private var early: Result<T, any Error>?
    private var done = false

    /// Installs the continuation; returns false after resuming it when a result (the
    /// cancellation) is already there.
    func install(_ c: CheckedContinuation<T, any Error>) -> Bool {
        lock.lock()
        if let early {
            self.early = nil
            done = true
            lock.unlock()
            c.resume(with: early)
            return false
        }
        cont = c
        lock.unlock()
        return true
    }

    /// Resumes the continuation with `result` unless it was resumed already.
    func resume(_ result: Result<T, any Error>) {
        lock.lock()
        guard !done else {
            lock.unlock()
            return
        }
        guard let c = cont else {
            if early == nil { early = result }
            lock.unlock()
            return
        }
        cont = nil
        done = true
        lock.unlock()
        c.resume(with: result)
    }
}
