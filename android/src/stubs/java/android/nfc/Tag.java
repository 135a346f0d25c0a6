// COMPILE-ONLY STUB of the Android API (signatures as in android.jar, API 34); never on a
// runtime classpath. Lets CI compile org.monid.android without the Android SDK.
package android.nfc;

public final class Tag {
    private Tag() { throw new RuntimeException("Stub!"); }
    public byte[] getId() { throw new RuntimeException("Stub!"); }
    public String[] getTechList() { throw new RuntimeException("Stub!"); }
}
