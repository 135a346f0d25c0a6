import Foundation
import Testing
@testable import Monid

/// The same read with Swift Testing (`@Test`), next to the XCTest suite.
@Test func fullReadWithSwiftTesting() async throws {
    let card = VirtualCard.cnie()
    let reader = try MonidReader(key: AccessKey.can(can: card.can()))
    let doc = try await reader.read(transport: ForwardingTransport(card))
    #expect(doc.summary().issuingState?.value() == "UTO")
    #expect(doc.verify(trustStore: Fixture.trust(), nowUnixSeconds: Fixture.now).verdict == .valid)
}

@Test func wrongCanWithSwiftTesting() async throws {
    let card = VirtualCard.cnie()
    let reader = try MonidReader(key: AccessKey.can(can: Fixture.wrongCan(for: card)))
    await #expect(throws: MonidReaderError.self) {
        _ = try await reader.read(transport: ForwardingTransport(card))
    }
}

@Test(arguments: ["P<UTO", ""])
func invalidMrzIsInvalidInput(mrz: String) {
    #expect(checkMrz(mrz: mrz) == .invalidInput)
}
