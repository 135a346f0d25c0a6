// COMPILE-ONLY STUB of the Android API (see ../nfc/Tag.java). The real class extends
// ContextThemeWrapper; only the Context relation matters here.
package android.app;

public class Activity extends android.content.Context {
    public Activity() { throw new RuntimeException("Stub!"); }
}
