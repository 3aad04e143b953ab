package io.github.uwsgispringboot.benchmarks.codec;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.FastThreadLocalThread;

/**
 * Runs JMH's benchmark threads as Netty's {@link FastThreadLocalThread}s, the kind of thread a
 * decoder runs on in the server: Netty's per-thread caches (the scratch array of
 * {@code ByteBuf.toString}, the pool's thread cache) are then reached the way they are on an event
 * loop, not through a {@code ThreadLocal}. JMH builds it from the system properties
 * {@code jmh.executor=CUSTOM} and {@code jmh.executor.class}.
 */
public final class EventLoopThreadExecutor extends ThreadPoolExecutor {

	public EventLoopThreadExecutor(int maxThreads, String prefix) {
		super(maxThreads, maxThreads, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
				new DefaultThreadFactory(prefix, true));
	}

}
