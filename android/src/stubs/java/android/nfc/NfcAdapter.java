// COMPILE-ONLY STUB of the Android API (see Tag.java).
package android.nfc;

public final class NfcAdapter {
    public static final int FLAG_READER_NFC_A = 0x1;
    public static final int FLAG_READER_NFC_B = 0x2;
    public static final int FLAG_READER_SKIP_NDEF_CHECK = 0x80;
    public static final int FLAG_READER_NO_PLATFORM_SOUNDS = 0x100;
    public static final String EXTRA_READER_PRESENCE_CHECK_DELAY = "presence";

    public interface ReaderCallback {
        void onTagDiscovered(Tag tag);
    }

    private NfcAdapter() { throw new RuntimeException("Stub!"); }
    public static NfcAdapter getDefaultAdapter(android.content.Context context) { throw new RuntimeException("Stub!"); }
    public boolean isEnabled() { throw new RuntimeException("Stub!"); }
    public void enableReaderMode(android.app.Activity activity, ReaderCallback callback, int flags, android.os.Bundle extras) { throw new RuntimeException("Stub!"); }
    public void disableReaderMode(android.app.Activity activity) { throw new RuntimeException("Stub!"); }
}
