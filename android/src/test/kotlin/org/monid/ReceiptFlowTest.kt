package org.monid

import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Test
import uniffi.monid.AccessKey
import uniffi.monid.Assurance
import uniffi.monid.ChallengeException
import uniffi.monid.ChallengeSpec
import uniffi.monid.ChipGenuine
import uniffi.monid.Claim
import uniffi.monid.ClaimRequest
import uniffi.monid.DeviceKeyException
import uniffi.monid.Document
import uniffi.monid.DocumentReader
import uniffi.monid.FaceMatch
import uniffi.monid.Level
import uniffi.monid.Liveness
import uniffi.monid.PaVerdict
import uniffi.monid.ReceiptException
import uniffi.monid.Rejected
import uniffi.monid.RejectionReason
import uniffi.monid.RelyingPartyTrust
import uniffi.monid.ScannedChallenge
import uniffi.monid.TrustStore
import uniffi.monid.Verifier
import uniffi.monid.VerifierConfig
import uniffi.monid.VirtualCard
import uniffi.monid.createReceipt
import uniffi.monid.defaultPolicy
import uniffi.monid.defaultReadOptions
import uniffi.monid.scanChallenge
import uniffi.monid.testRelyingParty
import uniffi.monid.virtualCardTrustAnchorsPem

/**
 * The issue's relying-party scenario in Kotlin: the verifier issues a challenge, the phone scans
 * it, reads the virtual CNIE with the derived active-authentication challenge, binds a face
 * match and signs with a key store written in Kotlin ([JcaKeyStore]); the verifier accepts the
 * receipt exactly once. Plus the failure paths a platform sees.
 */
class ReceiptFlowTest {
    private val now = System.currentTimeMillis() / 1000

    private fun csca(): TrustStore = TrustStore().also { it.addPemBundle(virtualCardTrustAnchorsPem()) }

    private fun verifier(): Verifier {
        val rp = testRelyingParty()
        return Verifier(
            VerifierConfig(
                signingKey = uniffi.monid.RpSigningKey.fromPem(rp.signingKeyPem),
                certificateChainPem = rp.certificateChainPem,
                compact = false,
                csca = csca(),
                attestationRootsPem = "",
                policy = defaultPolicy(),
                capacity = 16u,
            ),
        )
    }

    private fun phoneTrust(): RelyingPartyTrust = RelyingPartyTrust().also {
        assertEquals(1u, it.addAnchorsPem(testRelyingParty().anchorPem))
    }

    private fun spec(claims: List<Pair<Claim, Level>>, assurance: Assurance) = ChallengeSpec(
        purpose = "kotlin flow test",
        claims = claims.map { ClaimRequest(it.first, it.second) },
        assurance = assurance,
        responseUri = "https://bank.example.ma/monid/receipt",
        lifetimeSeconds = 300u,
    )

    private val all = Assurance(chipRead = true, chipGenuine = true, faceMatch = true)
    private val none = Assurance(chipRead = false, chipGenuine = false, faceMatch = false)

    private fun face(score: Int) = FaceMatch(
        engineId = "test-matcher",
        engineVersion = "1",
        scoreMilli = score.toUShort(),
        thresholdMilli = 800u,
        decision = score >= 800,
        liveness = Liveness.PASSED,
    )

    private fun scan(v: Verifier, claims: List<Pair<Claim, Level>>, assurance: Assurance = all): ScannedChallenge {
        val issued = v.issueChallenge(spec(claims, assurance), now.toULong())
        val scanned = scanChallenge(issued.qrText, phoneTrust(), now.toULong(), 120u)
        assertEquals(issued.confirmationCode, scanned.confirmationCode())
        return scanned
    }

    /** Reads the virtual CNIE with the AA challenge bound to [devicePublicKey], in Kotlin. */
    private fun readFor(scanned: ScannedChallenge, devicePublicKey: ByteArray): Document = runBlocking {
        val card = VirtualCard.cnie()
        val options = defaultReadOptions().copy(
            activeAuthenticationChallenge = scanned.activeAuthenticationChallenge(devicePublicKey),
        )
        MonidReader(AccessKey.can(card.can()), options).use { it.read(ForwardingTransport(card)) }
    }

    private inline fun <reified T : Throwable> assertThrows(block: () -> Unit): T {
        try {
            block()
        } catch (e: Throwable) {
            if (e is T) return e
            throw AssertionError("expected ${T::class.simpleName}, got $e", e)
        }
        fail("expected ${T::class.simpleName}, nothing thrown")
        throw IllegalStateException()
    }

    @Test
    fun aChallengeScannedAReceiptMadeWithAKotlinKeyStoreAndVerifiedOnce(): Unit = runBlocking {
        val v = verifier()
        val scanned = scan(
            v,
            listOf(
                Claim.NAMES to Level.CHIP_VERIFIABLE,
                Claim.AGE_OVER18 to Level.CHIP_VERIFIABLE,
                Claim.PHOTO to Level.CHIP_VERIFIABLE,
            ),
        )
        assertEquals("bank.example.ma", scanned.rpId())
        assertTrue(scanned.needsCard())
        assertEquals(3, scanned.claims().size)

        val keys = JcaKeyStore()
        val device = keys.generate("device", JcaKeyStore.PLAIN)
        assertEquals(65, device.size)
        val doc = readFor(scanned, device)
        // The phone checks what it read before asking for consent.
        assertEquals(PaVerdict.VALID, doc.verify(csca(), now).verdict)
        assertTrue(doc.chipGenuine() is ChipGenuine.Proven)
        val consent = scanned.consentItems(doc, now.toULong())
        assertTrue(consent.any { it.dataGroup() == 2.toUByte() })

        val sealed = MonidReceipts().createReceipt(
            scanned, keys, "device",
            document = doc, faceMatch = face(930), liveCapture = "live capture".toByteArray(),
            nowUnixSeconds = now,
        )
        assertEquals(1, keys.signCalls)
        assertEquals("https://bank.example.ma/monid/receipt", sealed.responseUri)
        assertNull("a photo receipt is POSTed, not shown", sealed.envelopeQrText)
        assertTrue(sealed.handleQrText.startsWith("MR1:"))

        val ok = v.verify(sealed.envelope, (now + 1).toULong())
        assertTrue(ok.assurance.chipRead && ok.assurance.chipGenuine)
        assertEquals(Level.CHIP_VERIFIABLE, ok.assurance.level)
        assertEquals(930.toUShort(), ok.assurance.face!!.scoreMilli)
        assertEquals(Liveness.PASSED, ok.assurance.face!!.liveness)
        assertEquals(Claim.NAMES, ok.claims[0].claim())
        assertNotNull(ok.claims[0].primaryName())
        assertEquals(true, ok.claims[1].ageOver())
        assertNotNull(ok.photo)

        // Exactly once: the same envelope again is a replay.
        val e = assertThrows<Rejected> { v.verify(sealed.envelope, (now + 2).toULong()) }
        assertTrue(e is Rejected.Receipt)
        assertEquals(RejectionReason.REPLAYED, (e as Rejected.Receipt).reason)
    }

    @Test
    fun aKeyStoreThrowingAnUndeclaredExceptionIsAKeyStoreFailureNotACrash() {
        val v = verifier()
        val scanned = scan(v, listOf(Claim.NAMES to Level.CHIP_VERIFIABLE))
        val good = JcaKeyStore()
        val device = good.generate("d", JcaKeyStore.PLAIN)
        val doc = readFor(scanned, device)
        val buggy = DelegatingKeyStore(good) { throw IllegalStateException("key store bug") }
        val e = assertThrows<ReceiptException> {
            createReceipt(scanned, doc, face(900), byteArrayOf(9), null, buggy, "d", now.toULong(), null)
        }
        assertTrue(e.toString(), e is ReceiptException.KeyStore)
        val reason = (e as ReceiptException.KeyStore).reason
        assertTrue(reason, reason.contains("unexpectedly"))
        assertEquals(1, buggy.signCalls)
        // No crash, and the same inputs with a sane store still make a receipt that verifies.
        val sealed = createReceipt(scanned, doc, face(900), byteArrayOf(9), null, good, "d", now.toULong(), null)
        assertTrue(v.verify(sealed.envelope, now.toULong()).assurance.chipGenuine)
    }

    @Test
    fun anInvalidatedKeyIsKeyInvalidatedThroughBothApis(): Unit = runBlocking {
        val v = verifier()
        val scanned = scan(v, listOf(Claim.NAMES to Level.CHIP_VERIFIABLE))
        val good = JcaKeyStore()
        val doc = readFor(scanned, good.generate("d", JcaKeyStore.PLAIN))
        val invalidated = DelegatingKeyStore(good) { throw DeviceKeyException.KeyInvalidated() }
        val e = assertThrows<ReceiptException> {
            createReceipt(scanned, doc, face(900), byteArrayOf(9), null, invalidated, "d", now.toULong(), null)
        }
        assertTrue(e.toString(), e is ReceiptException.KeyInvalidated)
        // The coroutine API maps it to the sealed Kotlin hierarchy.
        val f = assertThrows<ReceiptFailure> {
            runBlocking {
                MonidReceipts().createReceipt(
                    scanned, invalidated, "d", document = doc, faceMatch = face(900),
                    liveCapture = byteArrayOf(9), nowUnixSeconds = now,
                )
            }
        }
        assertTrue(f.toString(), f is ReceiptFailure.KeyInvalidated)
        val cancelledByUser = DelegatingKeyStore(good) { throw DeviceKeyException.UserCancelled() }
        val g = assertThrows<ReceiptFailure> {
            runBlocking {
                MonidReceipts().createReceipt(
                    scanned, cancelledByUser, "d", document = doc, faceMatch = face(900),
                    liveCapture = byteArrayOf(9), nowUnixSeconds = now,
                )
            }
        }
        assertTrue(g.toString(), g is ReceiptFailure.UserCancelled)
        // A missing input is named, and typed.
        val m = assertThrows<ReceiptFailure> {
            runBlocking { MonidReceipts().createReceipt(scanned, good, "d", nowUnixSeconds = now) }
        }
        assertTrue(m.toString(), m is ReceiptFailure.MissingInput)
    }

    @Test
    fun aForgedQrTextIsAChallengeException() {
        val v = verifier()
        val issued = v.issueChallenge(spec(listOf(Claim.NAMES to Level.CHIP_VERIFIABLE), all), now.toULong())
        val text = issued.qrText.toCharArray()
        val i = text.size / 2
        text[i] = if (text[i] == 'A') 'B' else 'A'
        val e = assertThrows<ChallengeException> { scanChallenge(String(text), phoneTrust(), now.toULong(), 120u) }
        assertTrue(
            e.toString(),
            e is ChallengeException.Malformed || e is ChallengeException.BadSignature ||
                e is ChallengeException.UnknownRelyingParty,
        )
        // The genuine text from an unknown relying party, and plain garbage.
        assertTrue(
            assertThrows<ChallengeException> { scanChallenge(issued.qrText, RelyingPartyTrust(), now.toULong(), 120u) }
                is ChallengeException.UnknownRelyingParty,
        )
        assertTrue(
            assertThrows<ChallengeException> { scanChallenge("hello", phoneTrust(), now.toULong(), 120u) }
                is ChallengeException.Malformed,
        )
        // And the genuine one scans.
        assertEquals("bank.example.ma", scanChallenge(issued.qrText, phoneTrust(), now.toULong(), 120u).rpId())
    }

    @Test
    fun scanChallengeAsyncScansOnTheGivenDispatcher(): Unit = runBlocking {
        val v = verifier()
        val issued = v.issueChallenge(spec(listOf(Claim.NAMES to Level.CHIP_VERIFIABLE), all), now.toULong())
        val worker = java.util.concurrent.Executors.newSingleThreadExecutor()
        val dispatched = java.util.concurrent.atomic.AtomicInteger(0)
        val dispatcher = object : kotlinx.coroutines.CoroutineDispatcher() {
            override fun dispatch(context: kotlin.coroutines.CoroutineContext, block: Runnable) {
                dispatched.incrementAndGet()
                worker.execute(block)
            }
        }
        try {
            val scanned = scanChallengeAsync(issued.qrText, phoneTrust(), now.toULong(), 120u, dispatcher)
            assertEquals(issued.confirmationCode, scanned.confirmationCode())
            assertEquals(1, dispatched.get())
            // Default clock and skew, Dispatchers.Default.
            assertEquals("bank.example.ma", scanChallengeAsync(issued.qrText, phoneTrust()).rpId())
            // A forged text is the same typed error as with the blocking call.
            val e = assertThrows<ChallengeException> {
                runBlocking { scanChallengeAsync(issued.qrText, RelyingPartyTrust(), dispatcher = dispatcher) }
            }
            assertTrue(e.toString(), e is ChallengeException.UnknownRelyingParty)
        } finally {
            worker.shutdownNow()
        }
    }

    @Test
    fun textFieldsAndVerifiedClaimsPrintNoPersonalData(): Unit = runBlocking {
        val card = VirtualCard.cnie()
        val doc = DocumentReader(AccessKey.can(card.can()), defaultReadOptions()).read(ForwardingTransport(card), null)
        val surname = doc.summary().surname!!
        val value = surname.value()
        assertTrue(value.length >= 2)
        assertFalse(surname.toString(), surname.toString().contains(value))
        val number = doc.summary().documentNumber!!
        assertFalse(number.toString().contains(number.value()))
        assertFalse(doc.summary().toString().contains(value))

        val v = verifier()
        val scanned = scan(v, listOf(Claim.NAMES to Level.CHIP_VERIFIABLE))
        val keys = JcaKeyStore()
        val d = readFor(scanned, keys.generate("d", JcaKeyStore.PLAIN))
        val sealed = MonidReceipts().createReceipt(
            scanned, keys, "d", document = d, faceMatch = face(900), liveCapture = byteArrayOf(1),
            nowUnixSeconds = now,
        )
        val claim = v.verify(sealed.envelope, now.toULong()).claims[0]
        val primary = claim.primaryName()!!
        assertTrue(primary.isNotBlank())
        assertTrue(claim.toString(), claim.toString().contains("redacted"))
        assertFalse(claim.toString().contains(primary))
        claim.secondaryName()?.takeIf { it.isNotBlank() }?.let { assertFalse(claim.toString().contains(it)) }
    }

    @Test
    fun aDeviceAssertedAgeClaimRestsOnAnAcceptedEnrolment(): Unit = runBlocking {
        val v = verifier()
        val keys = JcaKeyStore()
        keys.generate("d", JcaKeyStore.PLAIN)
        // Enrol with a plain read (no challenge yet), through the coroutine API.
        val card = VirtualCard.cnie()
        val doc = MonidReader(AccessKey.can(card.can())).use { it.read(ForwardingTransport(card)) }
        val receipts = MonidReceipts()
        val fresh = receipts.enrol(doc, keys, "d", now)
        assertEquals(1, keys.signCalls)
        assertTrue(fresh.devicePublicKey().contentEquals(keys.publicKey("d")))
        // Kept sealed in the app's storage, opened later.
        val stored = fresh.seal(ByteArray(32) { 3 })
        val enrolment = uniffi.monid.Enrolment.open(stored, ByteArray(32) { 3 })
        assertTrue(enrolment.id().contentEquals(fresh.id()))
        v.acceptEnrolment(enrolment.signedBytes(), now.toULong())

        val scanned = scan(v, listOf(Claim.AGE_OVER18 to Level.DEVICE_ASSERTED), none)
        assertFalse(scanned.needsCard())
        val receipt = receipts.createReceipt(scanned, keys, "d", enrolment = enrolment, nowUnixSeconds = now)
        assertTrue(receipt.envelopeQrText!!.startsWith("ME1:"))
        val ok = v.verify(receipt.envelope, now.toULong())
        assertEquals(Level.DEVICE_ASSERTED, ok.assurance.level)
        assertEquals(Claim.AGE_OVER18, ok.claims[0].claim())
        assertEquals(true, ok.claims[0].ageOver())
        // Without the enrolment, the device-asserted claim cannot be made.
        val scanned2 = scan(v, listOf(Claim.AGE_OVER18 to Level.DEVICE_ASSERTED), none)
        val m = assertThrows<ReceiptFailure> {
            runBlocking { receipts.createReceipt(scanned2, keys, "d", nowUnixSeconds = now) }
        }
        assertTrue(m.toString(), m is ReceiptFailure.MissingInput)
    }
}

/** Forwards to [inner] but replaces `sign` with [onSign] (which throws). */
class DelegatingKeyStore(
    private val inner: uniffi.monid.DeviceKeyStore,
    private val onSign: () -> Nothing,
) : uniffi.monid.DeviceKeyStore by inner {
    private val calls = java.util.concurrent.atomic.AtomicInteger(0)

    /** Calls of [sign]. */
    val signCalls: Int get() = calls.get()

    override fun sign(alias: String, message: ByteArray): ByteArray {
        calls.incrementAndGet()
        onSign()
    }
}
