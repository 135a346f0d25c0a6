package org.monid.android

import java.io.IOException
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertSame
import org.junit.Assert.assertTrue
import org.junit.Test
import uniffi.monid.TransportException
import uniffi.monid.defaultTransportInfo

/** IsoDepTransport's pure logic: timeouts, link limits, failure mapping (no android.* here). */
class IsoDepSupportTest {
    private fun hex(s: String): ByteArray = s.replace(" ", "").chunked(2).map { it.toInt(16).toByte() }.toByteArray()

    private val normal = 2_000
    private val auth = 5_000

    /** 15 ms per 100 bytes, rounded up. */
    private fun transfer(bytes: Int): Int = (bytes * 15 + 99) / 100

    @Test
    fun slowCommandsAreGeneralAndInternalAuthenticateAndMseSetKat() {
        // PACE / CA v2 GENERAL AUTHENTICATE, plain and chained, and under secure messaging.
        assertTrue(IsoDepSupport.isSlowCommand(hex("10 86 00 00 02 7C 00 00")))
        assertTrue(IsoDepSupport.isSlowCommand(hex("00 86 00 00 02 7C 00 00")))
        assertTrue(IsoDepSupport.isSlowCommand(hex("0C 86 00 00 05 01 02 03 04 05 00")))
        // Active authentication.
        assertTrue(IsoDepSupport.isSlowCommand(hex("0C 88 00 00 08 01 02 03 04 05 06 07 08 00")))
        // MSE:Set KAT (chip authentication v1): plain and SM.
        assertTrue(IsoDepSupport.isSlowCommand(hex("00 22 41 A6 03 91 01 04")))
        assertTrue(IsoDepSupport.isSlowCommand(hex("0C 22 41 A6 05 87 01 01 02 03")))
        // MSE:Set AT (PACE, CA v2 setup), SELECT, READ BINARY: ordinary.
        assertFalse(IsoDepSupport.isSlowCommand(hex("00 22 C1 A4 0F 80 0A 04 00 7F 00 07 02 02 04 02 02 83 01 02")))
        assertFalse(IsoDepSupport.isSlowCommand(hex("0C 22 41 A4 03 80 01 02")))
        assertFalse(IsoDepSupport.isSlowCommand(hex("00 A4 04 0C 07 A0 00 00 02 47 10 01")))
        assertFalse(IsoDepSupport.isSlowCommand(hex("0C B0 00 00 00")))
        // Too short to be an APDU.
        assertFalse(IsoDepSupport.isSlowCommand(hex("00 86 00")))
        assertFalse(IsoDepSupport.isSlowCommand(ByteArray(0)))
    }

    @Test
    fun bytesCarriedFollowsTheFourCasesShortAndExtended() {
        assertEquals(0, IsoDepSupport.bytesCarried(hex("00 84 00 00").copyOf(4))) // case 1
        assertEquals(8, IsoDepSupport.bytesCarried(hex("00 84 00 00 08"))) // case 2 short
        assertEquals(256, IsoDepSupport.bytesCarried(hex("00 B0 00 00 00"))) // Le 00 = 256
        assertEquals(2, IsoDepSupport.bytesCarried(hex("00 A4 02 0C 02 01 1E"))) // case 3 short
        assertEquals(2 + 256, IsoDepSupport.bytesCarried(hex("00 A4 02 00 02 01 1E 00"))) // case 4 short
        assertEquals(65_536, IsoDepSupport.bytesCarried(hex("00 B0 00 00 00 00 00"))) // case 2 ext, Le 0000
        assertEquals(0x1000, IsoDepSupport.bytesCarried(hex("00 B0 00 00 00 10 00"))) // case 2 ext
        assertEquals(3, IsoDepSupport.bytesCarried(hex("00 D6 00 00 00 00 03 01 02 03"))) // case 3 ext
        // Case 4 extended (an SM READ BINARY: DO'97' inside, Le 0000 in the header).
        assertEquals(4 + 65_536, IsoDepSupport.bytesCarried(hex("0C B1 00 00 00 00 04 01 02 03 04 00 00")))
        assertEquals(4 + 0x0200, IsoDepSupport.bytesCarried(hex("0C B1 00 00 00 00 04 01 02 03 04 02 00")))
        // Malformed: its own length, never a crash or a negative value.
        assertEquals(6, IsoDepSupport.bytesCarried(hex("00 A4 02 0C 09 01")))
        assertEquals(6, IsoDepSupport.bytesCarried(hex("00 B0 00 00 00 01")))
        assertEquals(8, IsoDepSupport.bytesCarried(hex("00 B0 00 00 00 00 00 01")))
    }

    @Test
    fun timeoutScalesWithTheExpectedLengthAndSlowCommandsGetAtLeastFiveSeconds() {
        // A short READ BINARY: the ordinary timeout plus 256 bytes' worth.
        assertEquals(normal + transfer(256), IsoDepSupport.timeoutFor(hex("0C B0 00 00 00"), normal, auth))
        // An extended READ BINARY of 64 KB: about 10 s more than the ordinary 2 s.
        val big = IsoDepSupport.timeoutFor(hex("0C B1 00 00 00 00 04 01 02 03 04 00 00"), normal, auth)
        assertEquals(normal + transfer(4 + 65_536), big)
        assertTrue("$big ms", big in 11_000..13_000)
        // At 106 kbit/s (9 bits per byte on the air) 64 KB alone take about 5.6 s.
        assertTrue(big - normal > 65_536 * 9 / 106)
        // GENERAL AUTHENTICATE, INTERNAL AUTHENTICATE, MSE:Set KAT: at least 5 s, even if asked less.
        val ga = hex("10 86 00 00 02 7C 00 00")
        assertEquals(auth + transfer(2 + 256), IsoDepSupport.timeoutFor(ga, normal, auth))
        assertEquals(IsoDepSupport.MIN_AUTH_TIMEOUT_MS + transfer(2 + 256), IsoDepSupport.timeoutFor(ga, normal, 1_000))
        assertEquals(8_000 + transfer(2 + 256), IsoDepSupport.timeoutFor(ga, normal, 8_000))
        val kat = hex("0C 22 41 A6 05 87 01 01 02 03")
        assertEquals(auth + transfer(5), IsoDepSupport.timeoutFor(kat, normal, auth))
        val aa = hex("0C 88 00 00 08 01 02 03 04 05 06 07 08 00")
        assertTrue(IsoDepSupport.timeoutFor(aa, normal, auth) >= 5_000)
        // A case-1 command: the ordinary timeout exactly; an ordinary timeout above 5 s is kept.
        assertEquals(normal, IsoDepSupport.timeoutFor(hex("00 84 00 00").copyOf(4), normal, auth))
        assertEquals(9_000 + transfer(258), IsoDepSupport.timeoutFor(ga, 9_000, auth))
    }

    @Test
    fun infoFallsBackToShortApdusWhenThePlatformThrowsOrAnswersNonsense() {
        val short = defaultTransportInfo()
        // A stale tag: Android's SecurityException quotes the UID; no exception leaves info().
        val stale = IsoDepSupport.transportInfo(
            { throw SecurityException("Permission Denial: Tag ( ID: 04 A2 5B 1A ) is out of date") },
            { true },
        )
        assertEquals(short, stale)
        assertEquals(short, IsoDepSupport.transportInfo({ 65_279 }, { throw IllegalStateException("closed") }))
        assertEquals(short, IsoDepSupport.transportInfo({ throw AssertionError() }, { true }))
        // Implausible lengths.
        assertEquals(short, IsoDepSupport.transportInfo({ 0 }, { true }))
        assertEquals(short, IsoDepSupport.transportInfo({ -1 }, { true }))
        // Normal answers.
        val ext = IsoDepSupport.transportInfo({ 65_279 }, { true })
        assertEquals(65_279u, ext.maxCommandLength)
        assertEquals(65_279u, ext.maxResponseLength)
        assertTrue(ext.extendedLength)
        val noExt = IsoDepSupport.transportInfo({ 261 }, { true })
        assertFalse("no room for an extended APDU", noExt.extendedLength)
        assertFalse(IsoDepSupport.transportInfo({ 1_024 }, { false }).extendedLength)
    }

    @Test
    fun platformFailuresMapWithoutTheirMessages() {
        val uid = "04 A2 5B 1A"
        fun map(t: Throwable, connected: Boolean = true, step: String = "transceive") =
            IsoDepSupport.failure(t, step) { connected }

        val all = listOf(
            map(SecurityException("Permission Denial: Tag ( ID: $uid ) is out of date")),
            map(IllegalStateException("Call connect() first! $uid")),
            map(IOException("Transceive failed $uid"), connected = false),
            map(IOException("Transceive failed $uid"), connected = true),
            map(IOException("x $uid"), step = "connect"),
            map(SecurityException(uid), step = "connect"),
            map(IllegalArgumentException(uid)),
            map(NullPointerException(uid)),
            map(NotImplementedError(uid)),
            map(StackOverflowError(uid)),
        )
        assertTrue(all[0] is TransportException.TagLost) // stale tag
        assertTrue(all[1] is TransportException.TagLost) // closed
        assertTrue(all[2] is TransportException.TagLost) // I/O once disconnected
        assertEquals("transceive failed: IOException", (all[3] as TransportException.Io).reason)
        assertTrue(all[4] is TransportException.TagLost) // connect failed: the tag is gone
        assertTrue(all[5] is TransportException.TagLost)
        assertEquals("transceive failed: IllegalArgumentException", (all[6] as TransportException.Io).reason)
        assertTrue(all[7] is TransportException.Io)
        // Unexpected: the class name only (Rust keeps the leading type name of the reason).
        assertEquals("kotlin.NotImplementedError", (all[8] as TransportException.Unexpected).reason)
        assertEquals("java.lang.StackOverflowError", (all[9] as TransportException.Unexpected).reason)
        for (e in all) {
            assertFalse("$e", e.message.orEmpty().contains(uid))
            assertFalse("$e", e.toString().contains(uid))
        }
        // A connected-check that itself throws counts as disconnected.
        assertTrue(IsoDepSupport.failure(IOException(), "transceive") { throw SecurityException(uid) } is TransportException.TagLost)
        // Declared errors pass through; interruption and cancellation are Cancelled.
        val declared = TransportException.Timeout()
        assertSame(declared, map(declared))
        assertTrue(map(java.util.concurrent.CancellationException()) is TransportException.Cancelled)
        try {
            assertTrue(map(InterruptedException()) is TransportException.Cancelled)
            assertTrue("interrupt flag restored", Thread.currentThread().isInterrupted)
        } finally {
            Thread.interrupted()
        }
    }
}
