package io.github.uwsgispringboot;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import io.netty.util.ResourceLeakTracker;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class when a Netty reference-counted object it created was garbage collected
 * without being released.
 * <p>
 * Netty's leak detector only logs. This extension installs a {@link ResourceLeakDetectorFactory}
 * whose detectors record every leak they report, runs them at {@code PARANOID} level (every buffer
 * tracked, as the surefire {@code argLine} asks too), and after each test class collects garbage
 * and allocates buffers (a detector reports leaks when it tracks a new object) until the leaks of
 * the class have been reported. Registered for every test of the module through
 * {@code META-INF/services} and {@code junit-platform.properties}; a leak that shows up after its
 * class has finished fails the next class, with the allocation records of the leaked object.
 */
public final class LeakDetectionExtension implements BeforeAllCallback, AfterAllCallback {

	/** Garbage collections per check: a leak found by none of them is reported by a later check. */
	private static final int COLLECTIONS = 3;

	private static final long REFERENCE_PROCESSING_WAIT_MILLIS = 200;

	private static final List<String> leaks = new CopyOnWriteArrayList<>();

	private static final LongAdder tracked = new LongAdder();

	static {
		ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
		ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new RecordingLeakDetectorFactory());
	}

	@Override
	public void beforeAll(ExtensionContext context) {
		long before = tracked.sum();
		allocateAndRelease();
		if (tracked.sum() == before) {
			throw new IllegalStateException("Netty's buffer leak detector was created before "
					+ LeakDetectionExtension.class.getSimpleName() + " installed its factory: leaks would go unnoticed");
		}
	}

	@Override
	public void afterAll(ExtensionContext context) {
		assertNoLeaks(context.getRequiredTestClass().getName());
	}

	/**
	 * Fail when objects were collected unreleased since the previous check.
	 * @param where what ran since the previous check, for the failure message
	 * @throws AssertionError listing every leak with its records
	 */
	public static void assertNoLeaks(String where) {
		List<String> found = detectLeaks();
		if (!found.isEmpty()) {
			throw new AssertionError(
					found.size() + " Netty leak(s) detected after " + where + ":\n" + String.join("\n\n", found));
		}
	}

	/**
	 * Collect garbage and make the leak detectors report what was collected unreleased.
	 * @return the leaks reported since the previous call, with their records
	 */
	public static List<String> detectLeaks() {
		for (int i = 0; i < COLLECTIONS && leaks.isEmpty(); i++) {
			collectGarbage();
			allocateAndRelease();
		}
		List<String> found = new ArrayList<>(leaks);
		leaks.removeAll(found);
		return found;
	}

	/**
	 * Collect garbage and wait until the reference handler has enqueued a sentinel cleared by that
	 * collection, so that the references to leaked objects have most likely been enqueued too.
	 */
	private static void collectGarbage() {
		ReferenceQueue<Object> queue = new ReferenceQueue<>();
		WeakReference<Object> sentinel = new WeakReference<>(new Object(), queue);
		System.gc();
		try {
			queue.remove(REFERENCE_PROCESSING_WAIT_MILLIS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		sentinel.clear();
	}

	/**
	 * A detector reports the leaks of its resource type when it tracks a new object: allocate
	 * with every allocator the code under test uses.
	 */
	private static void allocateAndRelease() {
		for (ByteBufAllocator allocator : List.of(ByteBufAllocator.DEFAULT, PooledByteBufAllocator.DEFAULT,
				UnpooledByteBufAllocator.DEFAULT)) {
			ByteBuf heap = allocator.heapBuffer(16);
			heap.release();
			ByteBuf direct = allocator.directBuffer(16);
			direct.release();
		}
	}

	private static final class RecordingLeakDetectorFactory extends ResourceLeakDetectorFactory {

		@Override
		@Deprecated
		public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval,
				long maxActive) {
			return new RecordingLeakDetector<>(resource, samplingInterval);
		}

	}

	private static final class RecordingLeakDetector<T> extends ResourceLeakDetector<T> {

		RecordingLeakDetector(Class<?> resourceType, int samplingInterval) {
			super(resourceType, samplingInterval);
		}

		@Override
		public ResourceLeakTracker<T> track(T obj) {
			tracked.increment();
			return super.track(obj);
		}

		@Override
		protected boolean needReport() {
			return true;
		}

		@Override
		protected void reportTracedLeak(String resourceType, String records) {
			super.reportTracedLeak(resourceType, records);
			leaks.add("LEAK: " + resourceType + ".release() was not called before it was garbage-collected." + records);
		}

		@Override
		protected void reportUntracedLeak(String resourceType) {
			super.reportUntracedLeak(resourceType);
			leaks.add("LEAK: " + resourceType + ".release() was not called before it was garbage-collected.");
		}

	}

}
