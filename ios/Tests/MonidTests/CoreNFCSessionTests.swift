#if canImport(CoreNFC) && os(Linux)
import CoreNFC
import Dispatch
import Foundation
import XCTest
@testable import Monid

/// Plays iOS for `NFCTagReaderSession` through the CoreNFC stub's driver hook: each session
/// begun finds the virtual card (powered up again, as a new discovery) after its delegate heard
/// the session became active, and ends as its plan says. `invalidate()` by the app reaches the
/// delegate as `readerSessionInvalidationErrorUserCanceled`, as on iOS.
final class FakeNFC: StubNFCSessionDriver, @unchecked Sendable {
    /// How one session ends.
    enum Plan {
        /// Runs until the app invalidates it.
        case runs
        /// iOS ends the session with `reason` when `after` APDUs of this session were answered:
        /// the next command fails with `readerTransceiveErrorSessionInvalidated` and the
        /// delegate hears `reason` as `delivery` says.
        case ends(after: Int, reason: NFCReaderError.Code, delivery: Delivery = .first)
        /// The tag leaves the field after `after` APDUs: commands fail with
        /// `readerTransceiveErrorTagConnectionLost`; the session runs on.
        case losesTag(after: Int)
        /// No tag is ever detected; `silentInvalidate`: the app's invalidate() never reaches the
        /// delegate (as iOS may do for a session invalidated before it began).
        case noTag(silentInvalidate: Bool)
    }

    /// When the delegate of a session that iOS ended hears why.
    enum Delivery {
        /// Before the failed command's completion handler runs.
        case first
        /// After it: once the read session waits for the reason (deterministically late).
        case whenAwaited
        /// Never.
        case never
    }

    final class Session: @unchecked Sendable {
        let ref: SessionRef
        let plan: Plan
        let alertAtBegin: String
        var ended = false
        var tagGone = false
        var apdus = 0
        init(_ ref: SessionRef, _ plan: Plan, _ alert: String) {
            self.ref = ref
            self.plan = plan
            self.alertAtBegin = alert
        }
    }

    /// What "iOS" does instead of passing a command to the card (see ``intercept``).
    enum Intercepted {
        /// CoreNFC fails the command with this code (the card never sees it).
        case fail(NFCReaderError.Code)
        /// This response (data and status word) instead of the card's.
        case answer(Data)
    }

    let card: VirtualCard
    private let plans: [Plan]
    /// Asked for each command a running session passes on: nil sends it to the card.
    private let intercept: (@Sendable (Data) -> Intercepted?)?
    private let lock = NSLock()
    private var all: [Session] = []
    private var total = 0
    private var invalidations = 0
    private var endedByPlan: Date?

    /// `plans[i]` for the i-th session begun; sessions beyond the list run.
    init(card: VirtualCard, plans: [Plan], intercept: (@Sendable (Data) -> Intercepted?)? = nil) {
        self.card = card
        self.plans = plans
        self.intercept = intercept
    }

    var sessionsBegun: Int { lock.lock(); defer { lock.unlock() }; return all.count }
    var totalApdus: Int { lock.lock(); defer { lock.unlock() }; return total }
    var appInvalidations: Int { lock.lock(); defer { lock.unlock() }; return invalidations }
    var alerts: [String] { lock.lock(); defer { lock.unlock() }; return all.map(\.alertAtBegin) }
    /// When a plan last ended a session (`.ends`).
    var lastPlannedEnd: Date? { lock.lock(); defer { lock.unlock() }; return endedByPlan }

    private func state(of session: NFCTagReaderSession) -> Session? {
        lock.lock()
        defer { lock.unlock() }
        return all.first { $0.ref.session === session }
    }

    func begin(_ session: NFCTagReaderSession) {
        let ref = SessionRef(session)
        lock.lock()
        let plan = all.count < plans.count ? plans[all.count] : .runs
        let s = Session(ref, plan, session.alertMessage)
        all.append(s)
        lock.unlock()
        if case .noTag = plan { return }
        let tag = FakeSessionTag(fake: self, session: s)
        card.reconnect()
        session.sessionQueue.async {
            guard let delegate = ref.delegate else { return }
            delegate.tagReaderSessionDidBecomeActive(ref.session)
            delegate.tagReaderSession(ref.session, didDetect: [.iso7816(tag)])
        }
    }

    func invalidate(_ session: NFCTagReaderSession, errorMessage: String?) {
        guard let s = state(of: session) else { return }
        lock.lock()
        invalidations += 1
        let first = !s.ended
        s.ended = true
        lock.unlock()
        if case .noTag(silentInvalidate: true) = s.plan { return }
        if first { end(s, reason: .readerSessionInvalidationErrorUserCanceled) }
    }

    func restartPolling(_ session: NFCTagReaderSession) {}

    func connect(_ session: NFCTagReaderSession, to tag: NFCTag, completionHandler: @escaping ((any Error)?) -> Void) {
        let done = UncheckedConnect(completionHandler)
        session.sessionQueue.async { done.call(nil) }
    }

    /// Tells the delegate, on the session's queue, that the session ended.
    func end(_ s: Session, reason: NFCReaderError.Code) {
        let ref = s.ref
        ref.session.sessionQueue.async {
            ref.delegate?.tagReaderSession(ref.session, didInvalidateWithError: NFCReaderError(reason))
        }
    }

    /// One command of `s` (on the tag's queue): what iOS would answer.
    func command(_ s: Session, _ apdu: Data, _ handler: UncheckedHandler) {
        lock.lock()
        if s.ended {
            lock.unlock()
            return handler.call(Data(), 0, 0, NFCReaderError(.readerTransceiveErrorSessionInvalidated))
        }
        switch s.plan {
        case .ends(let after, let reason, let delivery) where s.apdus >= after:
            s.ended = true
            endedByPlan = Date()
            lock.unlock()
            switch delivery {
            case .first:
                end(s, reason: reason)
                // Let the delegate's callback run first.
                s.ref.session.sessionQueue.sync {}
            case .whenAwaited:
                guard let record = (s.ref.delegate as? SessionDelegate)?.end else {
                    preconditionFailure("the session's delegate is not CoreNFCReadSession's")
                }
                record.whenAwaited { [self] in self.end(s, reason: reason) }
            case .never:
                break
            }
            return handler.call(Data(), 0, 0, NFCReaderError(.readerTransceiveErrorSessionInvalidated))
        case .losesTag(let after) where s.apdus >= after:
            s.tagGone = true
            lock.unlock()
            return handler.call(Data(), 0, 0, NFCReaderError(.readerTransceiveErrorTagConnectionLost))
        default:
            s.apdus += 1
            total += 1
            lock.unlock()
        }
        switch intercept?(apdu) {
        case .fail(let code)?:
            return handler.call(Data(), 0, 0, NFCReaderError(code))
        case .answer(let r)?:
            return handler.call(r.dropLast(2), r[r.index(r.endIndex, offsetBy: -2)], r[r.index(before: r.endIndex)], nil)
        case nil:
            break
        }
        do {
            let r = try card.process(apdu: apdu)
            handler.call(r.dropLast(2), r[r.count - 2], r[r.count - 1], nil)
        } catch {
            handler.call(Data(), 0, 0, NFCReaderError(.readerTransceiveErrorTagConnectionLost))
        }
    }

    func isAvailable(_ s: Session) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return !s.ended && !s.tagGone
    }
}

/// The stub's (non-Sendable) session and its delegate, carried to the session's queue.
struct SessionRef: @unchecked Sendable {
    let session: NFCTagReaderSession
    init(_ session: NFCTagReaderSession) { self.session = session }
    var delegate: (any NFCTagReaderSessionDelegate)? { session.delegate as? any NFCTagReaderSessionDelegate }
}

struct UncheckedConnect: @unchecked Sendable {
    let call: ((any Error)?) -> Void
    init(_ f: @escaping ((any Error)?) -> Void) { call = f }
}

/// The tag a fake session detects: forwards to the virtual card through ``FakeNFC``, answering
/// on another queue as CoreNFC does.
final class FakeSessionTag: NSObject, NFCISO7816Tag, @unchecked Sendable {
    private let fake: FakeNFC
    private let session: FakeNFC.Session
    private let queue = DispatchQueue(label: "fake.corenfc.tag")

    init(fake: FakeNFC, session: FakeNFC.Session) {
        self.fake = fake
        self.session = session
    }

    var isAvailable: Bool { fake.isAvailable(session) }
    var identifier: Data { Data([1, 2, 3, 4]) }
    var initialSelectedAID: String { "A0000002471001" }

    func sendCommand(apdu: NFCISO7816APDU, completionHandler: @escaping (Data, UInt8, UInt8, (any Error)?) -> Void) {
        let handler = UncheckedHandler(completionHandler)
        let bytes = apdu.stubEncoded
        let (fake, session) = (self.fake, self.session)
        queue.async { fake.command(session, bytes, handler) }
    }
}

/// `CoreNFCReadSession` driven end to end through the stub: which session endings start a new
/// session and which end the read, and that a resumed read costs fewer APDUs.
final class CoreNFCSessionTests: XCTestCase {
    override func tearDown() {
        StubNFC.driver = nil
        super.tearDown()
    }

    /// A read session that restarts quickly (the default waits 1 s) and waits long for a late
    /// session-end reason (the default 0.5 s could expire on a loaded machine; the fake
    /// delivers late reasons as soon as the session waits, so the wait never lasts).
    func session(maxSessions: Int = 5, reasonGrace: TimeInterval = 5) -> CoreNFCReadSession {
        CoreNFCReadSession(messages: .init(), maxSessions: maxSessions, pollingOption: [.iso14443],
                           transportInfo: CoreNFCTransport.defaultInfo, restartDelay: 0.02,
                           reasonGrace: reasonGrace)
    }

    func install(_ card: VirtualCard, _ plans: [FakeNFC.Plan],
                 intercept: (@Sendable (Data) -> FakeNFC.Intercepted?)? = nil) -> FakeNFC {
        let fake = FakeNFC(card: card, plans: plans, intercept: intercept)
        StubNFC.driver = fake
        return fake
    }

    /// APDUs of one full read of a fresh virtual CNIE through a fake session.
    func fullReadApdus() async throws -> Int {
        let card = VirtualCard.cnie()
        let fake = install(card, [])
        let doc = try await session().read(with: MonidReader(key: AccessKey.can(can: card.can())))
        XCTAssertEqual(doc.stats().calls, 1)
        StubNFC.driver = nil
        return fake.totalApdus
    }

    func testAFullReadInOneSession() async throws {
        let card = VirtualCard.cnie()
        let fake = install(card, [])
        let doc = try await session().read(with: MonidReader(key: AccessKey.can(can: card.can())))
        XCTAssertEqual(doc.summary().issuingState?.value(), "UTO")
        XCTAssertEqual(fake.sessionsBegun, 1)
        XCTAssertEqual(Int(doc.stats().apdus), fake.totalApdus)
        XCTAssertEqual(fake.alerts, [CoreNFCReadSession.Messages().prompt])
    }

    func testUserCancelMidReadIsCancelledAfterExactlyOneSession() async throws {
        let card = VirtualCard.cnie()
        let fake = install(card, [.ends(after: 12, reason: .readerSessionInvalidationErrorUserCanceled)])
        do {
            _ = try await session().read(with: MonidReader(key: AccessKey.can(can: card.can())))
            XCTFail("expected cancelled")
        } catch let e as MonidReaderError {
            XCTAssertEqual(e, .cancelled("the NFC sheet was dismissed"))
        }
        XCTAssertEqual(fake.sessionsBegun, 1, "the sheet must not open again")
        XCTAssertEqual(fake.totalApdus, 12)
    }

    /// The failed command's completion may run before the delegate hears why the session
    /// ended: the session waits for the reason instead of guessing "tag lost".
    func testAUserCancelReportedAfterTheFailedCommandIsStillACancel() async throws {
        let card = VirtualCard.cnie()
        let fake = install(card, [.ends(after: 12, reason: .readerSessionInvalidationErrorUserCanceled, delivery: .whenAwaited)])
        do {
            _ = try await session().read(with: MonidReader(key: AccessKey.can(can: card.can())))
            XCTFail("expected cancelled")
        } catch let e as MonidReaderError {
            XCTAssertEqual(e.kind, .cancelled, "\(e)")
        }
        XCTAssertEqual(fake.sessionsBegun, 1)
    }

    /// A reason that never reaches the delegate: after the grace, the read's own error (the
    /// transport's "session gone, reason unknown" is a lost tag), and no new session.
    func testWithoutAReasonWithinTheGraceTheReadsErrorStands() async throws {
        let card = VirtualCard.cnie()
        let fake = install(card, [.ends(after: 12, reason: .readerSessionInvalidationErrorSessionTimeout, delivery: .never)])
        do {
            _ = try await session(reasonGrace: 0.3).read(with: MonidReader(key: AccessKey.can(can: card.can())))
            XCTFail("expected tagLost")
        } catch let e as MonidReaderError {
            XCTAssertEqual(e.kind, .tagLost, "\(e)")
        }
        let ended = try XCTUnwrap(fake.lastPlannedEnd)
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(ended), 0.3, "it did not wait for the reason")
        XCTAssertEqual(fake.sessionsBegun, 1)
    }

    func testASessionTimeoutRestartsAndTheReadResumes() async throws {
        let card = VirtualCard.cnie()
        let fake = install(card, [.ends(after: 30, reason: .readerSessionInvalidationErrorSessionTimeout, delivery: .whenAwaited)])
        let doc = try await session().read(with: MonidReader(key: AccessKey.can(can: card.can())))
        XCTAssertEqual(doc.summary().issuingState?.value(), "UTO")
        XCTAssertEqual(fake.sessionsBegun, 2)
        XCTAssertEqual(doc.stats().calls, 2)
        let m = CoreNFCReadSession.Messages()
        XCTAssertEqual(fake.alerts, [m.prompt, m.holdAgain])
        XCTAssertEqual(doc.verify(trustStore: Fixture.trust(), nowUnixSeconds: Fixture.now).verdict, .valid)
    }

    func testALostTagRestartsAndTheReadResumes() async throws {
        let card = VirtualCard.cnie()
        let fake = install(card, [.losesTag(after: 25)])
        // The session runs on, so no reason comes: the whole grace is waited (nothing races it).
        let doc = try await session(reasonGrace: 0.1).read(with: MonidReader(key: AccessKey.can(can: card.can())))
        XCTAssertEqual(doc.summary().issuingState?.value(), "UTO")
        XCTAssertEqual(fake.sessionsBegun, 2)
        XCTAssertEqual(doc.stats().calls, 2)
    }

    /// The restart loop: iOS ends two sessions mid-read; the third finishes, and the whole
    /// costs fewer APDUs than two lost sessions plus a read from scratch.
    func testTwoSessionsEndingMidReadCostFewerApdusThanRestartingFromScratch() async throws {
        let full = try await fullReadApdus()
        let n = full / 2
        let card = VirtualCard.cnie()
        let fake = install(card, [
            .ends(after: n, reason: .readerSessionInvalidationErrorSessionTimeout),
            .ends(after: n, reason: .readerSessionInvalidationErrorSessionTimeout, delivery: .whenAwaited),
        ])
        let doc = try await session().read(with: MonidReader(key: AccessKey.can(can: card.can())))
        XCTAssertEqual(fake.sessionsBegun, 3)
        XCTAssertEqual(doc.stats().calls, 3)
        XCTAssertLessThan(fake.totalApdus, 2 * n + full, "full read \(full), cut after \(n)")
        XCTAssertEqual(doc.summary().issuingState?.value(), "UTO")
    }

    /// A CoreNFC failure the core absorbed (a "packet too long" on an extended read, after
    /// which it steps down to short reads and goes on) is not what a later failure for the
    /// chip's own reason is blamed on: the read ends with the chip's error, not
    /// `nfcUnavailable("... packet too long")`, and no new session is opened.
    func testAnAbsorbedCoreNFCFailureIsNotBlamedForALaterChipError() async throws {
        let card = VirtualCard.cnie()
        let tooLong = Flag(), chipErrors = Counter()
        let fake = install(card, []) { apdu in
            let b = [UInt8](apdu)
            // Protected READ BINARY (plain or odd INS).
            guard b.count >= 5, b[0] == 0x0C, b[1] == 0xB0 || b[1] == 0xB1 else { return nil }
            if !tooLong.isSet {
                // The first extended one (Lc or Le in 3 bytes): CoreNFC refuses it.
                guard b.count >= 7, b[4] == 0 else { return nil }
                tooLong.set()
                return .fail(.readerTransceiveErrorPacketTooLong)
            }
            // Every protected read after that: the chip answers "no precise diagnosis".
            chipErrors.increment()
            return .answer(Data([0x6F, 0x00]))
        }
        do {
            _ = try await session().read(with: MonidReader(key: AccessKey.can(can: card.can())))
            XCTFail("expected the chip's error")
        } catch let e as MonidReaderError {
            XCTAssertEqual(e.kind, .chipMisbehaved, "\(e)")
        }
        XCTAssertTrue(tooLong.isSet, "the read never used an extended READ BINARY")
        XCTAssertGreaterThan(chipErrors.value, 0, "the core did not go on after the refused command")
        XCTAssertEqual(fake.sessionsBegun, 1)
    }

    func testEveryOtherEndOfSessionIsTypedAndNeverRestarts() async throws {
        for reason: NFCReaderError.Code in [
            .readerSessionInvalidationErrorSystemIsBusy,
            .readerSessionInvalidationErrorSessionTerminatedUnexpectedly,
            .readerSessionInvalidationErrorFirstNDEFTagRead,
        ] {
            let card = VirtualCard.cnie()
            let fake = install(card, [.ends(after: 8, reason: reason)])
            do {
                _ = try await session().read(with: MonidReader(key: AccessKey.can(can: card.can())))
                XCTFail("expected nfcUnavailable for \(reason)")
            } catch let e as MonidReaderError {
                guard case .nfcUnavailable(let m) = e else { return XCTFail("\(e)") }
                XCTAssertTrue(m.contains("(\(reason.rawValue))"), m)
                XCTAssertFalse(e.isResumable)
            }
            XCTAssertEqual(fake.sessionsBegun, 1, "\(reason)")
        }
    }

    func testAfterMaxSessionsOfTimeoutsTheSameReaderGoesOnLater() async throws {
        let card = VirtualCard.cnie()
        let reader = try MonidReader(key: AccessKey.can(can: card.can()))
        let fake = install(card, [
            .ends(after: 20, reason: .readerSessionInvalidationErrorSessionTimeout),
            .ends(after: 20, reason: .readerSessionInvalidationErrorSessionTimeout),
        ])
        do {
            _ = try await session(maxSessions: 2).read(with: reader)
            XCTFail("expected timeout")
        } catch let e as MonidReaderError {
            XCTAssertEqual(e.kind, .timeout, "\(e)")
            XCTAssertTrue(e.isResumable)
        }
        XCTAssertEqual(fake.sessionsBegun, 2)
        let doc = try await session().read(with: reader)
        XCTAssertEqual(fake.sessionsBegun, 3)
        XCTAssertEqual(doc.stats().calls, 3)
    }

    func testTheCoreVerdictEndsTheReadWithoutANewSession() async throws {
        let card = VirtualCard.cnie()
        let fake = install(card, [])
        do {
            _ = try await session().read(with: MonidReader(key: AccessKey.can(can: Fixture.wrongCan(for: card))))
            XCTFail("expected wrongAccessKey")
        } catch let e as MonidReaderError {
            XCTAssertEqual(e.kind, .wrongAccessKey, "\(e)")
        }
        XCTAssertEqual(fake.sessionsBegun, 1)
    }

    func testWithoutNfcTheReadIsNfcUnavailable() async throws {
        StubNFC.driver = nil
        do {
            _ = try await session().read(with: MonidReader(key: AccessKey.can(can: "123456")))
            XCTFail("expected nfcUnavailable")
        } catch let e as MonidReaderError {
            XCTAssertEqual(e, .nfcUnavailable("this device cannot read NFC tags"))
        }
    }

    func testNoCardBeforeTheSessionTimesOutIsATimeoutWithoutRestart() async throws {
        let card = VirtualCard.cnie()
        let fake = install(card, [.noTag(silentInvalidate: false)])
        let nfc = session()
        let read = Task { try await nfc.read(with: MonidReader(key: AccessKey.can(can: card.can()))) }
        try await waitUntil { fake.sessionsBegun == 1 }
        // iOS gives up waiting for a card.
        fake.endFirstSession(reason: .readerSessionInvalidationErrorSessionTimeout)
        do {
            _ = try await read.value
            XCTFail("expected timeout")
        } catch let e as MonidReaderError {
            XCTAssertEqual(e, .timeout("no card was presented before the NFC session ended"))
        }
        XCTAssertEqual(fake.sessionsBegun, 1)
    }

    /// Cancelled while waiting for a card, with an iOS that never tells the delegate (as for a
    /// session invalidated before it began): the wait still ends at once, with `cancelled`.
    func testCancellingWhileWaitingForACardEndsEvenIfIOSNeverCallsTheDelegate() async throws {
        let card = VirtualCard.cnie()
        let fake = install(card, [.noTag(silentInvalidate: true)])
        let nfc = session()
        let read = Task { try await nfc.read(with: MonidReader(key: AccessKey.can(can: card.can()))) }
        try await waitUntil { fake.sessionsBegun == 1 }
        read.cancel()
        guard let ended = await outcome(of: read) else {
            return XCTFail("the wait for a card hung after the cancel")
        }
        guard case .failure(let e as MonidReaderError) = ended else { return XCTFail("\(ended)") }
        XCTAssertEqual(e.kind, .cancelled, "\(e)")
        XCTAssertEqual(fake.appInvalidations, 1)
    }

    /// Cancels at every moment around the session's start (before it exists, between its
    /// creation and `begin`, while waiting): each read ends with `cancelled`, none hangs, and a
    /// session invalidated before it began is never begun.
    func testCancellationAtAnyPointOfTheStartNeverHangs() async throws {
        let card = VirtualCard.cnie()
        let fake = install(card, Array(repeating: .noTag(silentInvalidate: true), count: 200))
        for i in 0..<60 {
            let nfc = session()
        let read = Task { try await nfc.read(with: MonidReader(key: AccessKey.can(can: card.can()))) }
            if i % 3 == 1 { await Task.yield() }
            if i % 3 == 2 { try await Task.sleep(nanoseconds: UInt64(i) * 20_000) }
            read.cancel()
            guard let ended = await outcome(of: read) else {
                return XCTFail("iteration \(i): the read hung after the cancel")
            }
            guard case .failure(let e as MonidReaderError) = ended, e.kind == .cancelled else {
                return XCTFail("iteration \(i): \(ended)")
            }
        }
        XCTAssertLessThanOrEqual(fake.sessionsBegun, 60)
    }

    func testATaskCancelledBeforeTheReadBeginsNoSession() async throws {
        let card = VirtualCard.cnie()
        let fake = install(card, [])
        let nfc = session()
        let read = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await nfc.read(with: MonidReader(key: AccessKey.can(can: card.can())))
        }
        do {
            _ = try await read.value
            XCTFail("expected cancelled")
        } catch let e as MonidReaderError {
            XCTAssertEqual(e.kind, .cancelled)
        }
        XCTAssertEqual(fake.sessionsBegun, 0)
    }

    func testCancellingTheTaskMidReadIsCancelledWithoutRestart() async throws {
        let card = VirtualCard.cnie()
        let fake = install(card, [])
        let reader = try MonidReader(key: AccessKey.can(can: card.can()))
        let progress = reader.progressUpdates()
        let nfc = session()
        let read = Task { try await nfc.read(with: reader) }
        for await p in progress where p.step == .readFile {
            _ = p
            break
        }
        read.cancel()
        do {
            _ = try await read.value
            XCTFail("expected cancelled")
        } catch let e as MonidReaderError {
            XCTAssertEqual(e.kind, .cancelled, "\(e)")
        }
        XCTAssertEqual(fake.sessionsBegun, 1)
    }

    func testTheDecisionTable() {
        typealias S = CoreNFCReadSession
        let lost = MonidReaderError.tagLost("x")
        XCTAssertEqual(S.decide(lost, sessionEnd: nil, linkFailure: nil, taskCancelled: true), .fail(.cancelled("the task was cancelled")))
        XCTAssertEqual(S.decide(.wrongAccessKey("w"), sessionEnd: nil, linkFailure: nil, taskCancelled: false), .fail(.wrongAccessKey("w")))
        XCTAssertEqual(S.decide(.timeout("t"), sessionEnd: .readerSessionInvalidationErrorSessionTimeout, linkFailure: nil, taskCancelled: false),
                       .fail(.timeout("t")), "no CoreNFC failure: the core's verdict")
        XCTAssertEqual(S.decide(lost, sessionEnd: .readerSessionInvalidationErrorUserCanceled,
                                linkFailure: .readerTransceiveErrorSessionInvalidated, taskCancelled: false),
                       .fail(.cancelled("the NFC sheet was dismissed")))
        XCTAssertEqual(S.decide(lost, sessionEnd: .readerSessionInvalidationErrorSessionTimeout,
                                linkFailure: .readerTransceiveErrorSessionInvalidated, taskCancelled: false), .restart(.sessionTimeout))
        XCTAssertEqual(S.decide(lost, sessionEnd: .readerSessionInvalidationErrorSystemIsBusy,
                                linkFailure: .readerTransceiveErrorTagNotConnected, taskCancelled: false),
                       .fail(.nfcUnavailable("iOS ended the NFC session: system busy (203)")))
        XCTAssertEqual(S.decide(lost, sessionEnd: nil, linkFailure: .readerTransceiveErrorTagConnectionLost, taskCancelled: false), .restart(.tagLost))
        XCTAssertEqual(S.decide(lost, sessionEnd: nil, linkFailure: .readerTransceiveErrorTagNotConnected, taskCancelled: false), .restart(.tagLost))
        XCTAssertEqual(S.decide(lost, sessionEnd: nil, linkFailure: .readerTransceiveErrorSessionInvalidated, taskCancelled: false), .fail(lost))
        XCTAssertEqual(S.decide(.timeout("r"), sessionEnd: nil, linkFailure: .readerTransceiveErrorRetryExceeded, taskCancelled: false), .fail(.timeout("r")))
        XCTAssertEqual(S.decide(lost, sessionEnd: nil, linkFailure: .readerTransceiveErrorPacketTooLong, taskCancelled: false),
                       .fail(.nfcUnavailable("CoreNFC refused a command: packet too long (105)")))
    }

    // MARK: helpers

    /// Polls `condition` for up to 30 s (a bound for a hang, not a timing expectation).
    func waitUntil(_ condition: @escaping @Sendable () -> Bool) async throws {
        let deadline = Date().addingTimeInterval(30)
        while !condition() && Date() < deadline {
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        XCTAssertTrue(condition(), "condition not reached in 30 s")
    }
}

extension FakeNFC {
    /// iOS ends the first session (waiting for a card) with `reason`.
    func endFirstSession(reason: NFCReaderError.Code) {
        lock.lock()
        let s = all.first
        s?.ended = true
        lock.unlock()
        if let s { end(s, reason: reason) }
    }
}

#endif
