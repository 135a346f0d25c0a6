@file:JvmName("MonidAsync")

package org.monid

import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import uniffi.monid.Document
import uniffi.monid.FacePixels
import uniffi.monid.LoadReport
import uniffi.monid.PaReport
import uniffi.monid.RelyingPartyTrust
import uniffi.monid.ScannedChallenge
import uniffi.monid.TrustStore

// `suspend` forms of the generated calls that block for a noticeable time (CPU-bound work in
// Rust: signatures, certificate chains, image decoding). Each runs the blocking call on
// [dispatcher] (default `Dispatchers.Default`), so it can be called from the main thread. The
// Rust call itself cannot be interrupted: cancelling the calling coroutine makes it throw
// `CancellationException` once the call has returned (the result is dropped).

/**
 * Passive authentication ([Document.verify]) off the calling thread: EF.SOD's signature, the
 * certificate chain to [trustStore] and the data-group hashes (milliseconds to tens of
 * milliseconds). Returns the same [PaReport]; the document keeps the result (its summary's
 * verification states and `chipGenuine()` follow it).
 */
suspend fun Document.verifyAsync(
    trustStore: TrustStore,
    nowUnixSeconds: Long = System.currentTimeMillis() / 1000,
    dispatcher: CoroutineDispatcher = Dispatchers.Default,
): PaReport = withContext(dispatcher) { verify(trustStore, nowUnixSeconds) }

/**
 * [Document.facePixels] off the calling thread: decodes the first face image of DG2 (JPEG or
 * JPEG 2000, the slow one) to RGB8. Null when DG2 was not read or holds no face.
 *
 * @throws MonidError when the image cannot be decoded (as [MonidError.from] maps it).
 */
suspend fun Document.facePixelsAsync(
    dispatcher: CoroutineDispatcher = Dispatchers.Default,
): FacePixels? = withContext(dispatcher) {
    try {
        facePixels()
    } catch (e: Exception) {
        throw MonidError.from(e)
    }
}

/**
 * [TrustStore.addMasterList] off the calling thread: verifies an ICAO CSCA master list (CMS)
 * against [anchorDer] and adds its certificates (hundreds of certificates for a real list).
 */
suspend fun TrustStore.addMasterListAsync(
    cms: ByteArray,
    anchorDer: ByteArray?,
    dispatcher: CoroutineDispatcher = Dispatchers.Default,
): LoadReport = withContext(dispatcher) { addMasterList(cms, anchorDer) }

/**
 * [uniffi.monid.scanChallenge] off the calling thread: parses a relying party's QR text and
 * checks its signature, certificate chain and clock.
 *
 * @throws uniffi.monid.ChallengeException when the text is forged, malformed, expired or from
 *   an unknown relying party (unchanged from the generated function).
 */
suspend fun scanChallengeAsync(
    text: String,
    trust: RelyingPartyTrust,
    nowUnixSeconds: ULong = (System.currentTimeMillis() / 1000).toULong(),
    skewSeconds: ULong = 120u,
    dispatcher: CoroutineDispatcher = Dispatchers.Default,
): ScannedChallenge = withContext(dispatcher) {
    uniffi.monid.scanChallenge(text, trust, nowUnixSeconds, skewSeconds)
}
