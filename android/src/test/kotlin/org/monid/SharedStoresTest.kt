package org.monid

import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicBoolean
import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Test
import uniffi.monid.AccessKey
import uniffi.monid.Assurance
import uniffi.monid.ChallengeSpec
import uniffi.monid.ChallengeStore
import uniffi.monid.Claim
import uniffi.monid.ClaimRequest
import uniffi.monid.FaceMatch
import uniffi.monid.Level
import uniffi.monid.Liveness
import uniffi.monid.NonceStore
import uniffi.monid.PendingChallenge
import uniffi.monid.Rejected
import uniffi.monid.RejectionReason
import uniffi.monid.RelyingPartyTrust
import uniffi.monid.StoreException
import uniffi.monid.TrustStore
import uniffi.monid.Verifier
import uniffi.monid.VerifierConfig
import uniffi.monid.VirtualCard
import uniffi.monid.defaultPolicy
import uniffi.monid.defaultReadOptions
import uniffi.monid.scanChallenge
import uniffi.monid.testRelyingParty
import uniffi.monid.virtualCardTrustAnchorsPem

/**
 * A portal with two verifier instances sharing their pending challenges and used nonces through
 * stores written in Kotlin (what a Redis-backed server would do): a receipt for a challenge one
 * instance issued verifies on the other, exactly once; a store throwing an undeclared exception
 * refuses the receipt with reason STORE without consuming its nonce.
 */
class SharedStoresTest {
    private val now = System.currentTimeMillis() / 1000

    /** Two stores, as a server would have: one key space for challenges, one for nonces. */
    private class Stores {
        val pending = ConcurrentHashMap<String, PendingChallenge>()
        val used: MutableSet<String> = ConcurrentHashMap.newKeySet()
        val broken = AtomicBoolean(false)

        val challenges = object : ChallengeStore {
            override fun insert(nonce: ByteArray, pending: PendingChallenge) {
                if (this@Stores.pending.putIfAbsent(key(nonce), pending) != null) throw StoreException.Duplicate()
            }
            override fun get(nonce: ByteArray): PendingChallenge? = pending[key(nonce)]
            override fun remove(nonce: ByteArray): Boolean = pending.remove(key(nonce)) != null
            override fun purgeExpired(now: ULong): ULong {
                val before = pending.size
                pending.entries.removeIf { it.value.expiresAt < now }
                return (before - pending.size).toULong()
            }
        }

        val nonces = object : NonceStore {
            override fun consume(nonce: ByteArray, keepUntil: ULong): Boolean {
                // Undeclared: arrives in Rust as StoreException.Unexpected.
                if (broken.get()) throw IllegalStateException("connection reset")
                return used.add(key(nonce))
            }
            // This test keeps no expiry per nonce; a real store sets one (e.g. Redis PX).
            override fun purgeExpired(now: ULong): ULong = 0u
        }

        private fun key(nonce: ByteArray) = nonce.joinToString("") { "%02x".format(it) }
    }

    private fun verifier(stores: Stores): Verifier {
        val rp = testRelyingParty()
        val csca = TrustStore().also { it.addPemBundle(virtualCardTrustAnchorsPem()) }
        return Verifier.withStores(
            VerifierConfig(
                signingKey = uniffi.monid.RpSigningKey.fromPem(rp.signingKeyPem),
                certificateChainPem = rp.certificateChainPem,
                compact = false,
                csca = csca,
                attestationRootsPem = "",
                policy = defaultPolicy(),
                capacity = 16u,
            ),
            stores.challenges,
            stores.nonces,
        )
    }

    @Test
    fun twoInstancesAnswerEachChallengeOnceAndAFailingStoreKeepsTheNonce(): Unit = runBlocking {
        val stores = Stores()
        val a = verifier(stores)
        val b = verifier(stores)
        val issued = a.issueChallenge(
            ChallengeSpec(
                purpose = "shared stores test",
                claims = listOf(ClaimRequest(Claim.NAMES, Level.CHIP_VERIFIABLE)),
                assurance = Assurance(chipRead = true, chipGenuine = true, faceMatch = true),
                responseUri = "https://bank.example.ma/monid/receipt",
                lifetimeSeconds = 300u,
            ),
            now.toULong(),
        )
        assertEquals(1, stores.pending.size)
        val trust = RelyingPartyTrust().also { it.addAnchorsPem(testRelyingParty().anchorPem) }
        val scanned = scanChallenge(issued.qrText, trust, now.toULong(), 120u)
        val keys = JcaKeyStore()
        val device = keys.generate("d", JcaKeyStore.PLAIN)
        val card = VirtualCard.cnie()
        val doc = MonidReader(
            AccessKey.can(card.can()),
            defaultReadOptions().copy(activeAuthenticationChallenge = scanned.activeAuthenticationChallenge(device)),
        ).use { it.read(ForwardingTransport(card)) }
        val sealed = MonidReceipts().createReceipt(
            scanned, keys, "d", document = doc,
            faceMatch = FaceMatch("test-matcher", "1", 910u, 800u, true, Liveness.PASSED),
            liveCapture = byteArrayOf(1, 2, 3), nowUnixSeconds = now,
        )

        stores.broken.set(true)
        try {
            b.verify(sealed.envelope, now.toULong())
            fail("verified with a broken nonce store")
        } catch (e: Rejected.Receipt) {
            assertEquals(RejectionReason.STORE, e.reason)
            assertTrue(e.detail, e.detail.contains("unexpectedly"))
        }
        assertTrue("the nonce was not consumed", stores.used.isEmpty())
        stores.broken.set(false)

        val ok = b.verify(sealed.envelope, now.toULong())
        assertEquals(Claim.NAMES, ok.claims[0].claim())
        assertFalse(stores.used.isEmpty())
        try {
            a.verify(sealed.envelope, now.toULong())
            fail("replayed on the other instance")
        } catch (e: Rejected.Receipt) {
            assertEquals(RejectionReason.REPLAYED, e.reason)
        }
    }
}
