package io.github.uwsgispringboot.demo.mvc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.request.async.DeferredResult;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

/**
 * Responses that outlive the request thread, the three ways Spring MVC has: server-sent events
 * from an {@link SseEmitter}, a body written as it is produced by a {@link StreamingResponseBody},
 * and an answer given later through a {@link DeferredResult}. Through nginx, the streams need
 * {@code uwsgi_buffering off} (see {@code demo-mvc-app/nginx/locations.conf}).
 */
@RestController
public class StreamingController implements DisposableBean {

	private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor((task) -> {
		Thread thread = new Thread(task, "demo-streams");
		thread.setDaemon(true);
		return thread;
	});

	/**
	 * {@code count} events, {@code intervalMillis} apart, the first at once.
	 */
	@GetMapping(path = "/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
	public SseEmitter events(@RequestParam(defaultValue = "5") int count,
			@RequestParam(defaultValue = "1000") long intervalMillis) {
		SseEmitter emitter = new SseEmitter(count * intervalMillis + 10_000);
		AtomicInteger next = new AtomicInteger();
		this.scheduler.schedule(new Runnable() {

			@Override
			public void run() {
				int i = next.getAndIncrement();
				try {
					emitter.send(SseEmitter.event().id(Integer.toString(i)).data("event " + i + " at " + Instant.now()));
				}
				catch (IOException ex) {
					emitter.completeWithError(ex);
					return;
				}
				if (i + 1 < count) {
					StreamingController.this.scheduler.schedule(this, intervalMillis, TimeUnit.MILLISECONDS);
				}
				else {
					emitter.complete();
				}
			}

		}, 0, TimeUnit.MILLISECONDS);
		return emitter;
	}

	/**
	 * {@code count} lines of text, {@code intervalMillis} apart, each flushed as it is written: no
	 * Content-Length, the response ends when the connection closes.
	 */
	@GetMapping("/stream/lines")
	public ResponseEntity<StreamingResponseBody> lines(@RequestParam(defaultValue = "5") int count,
			@RequestParam(defaultValue = "1000") long intervalMillis) {
		return ResponseEntity.ok().contentType(MediaType.TEXT_PLAIN).body((out) -> {
			for (int i = 0; i < count; i++) {
				if (i > 0) {
					sleep(intervalMillis);
				}
				out.write(("line " + i + " at " + Instant.now() + "\n").getBytes(StandardCharsets.UTF_8));
				// passed on only with spring.http.response.flush.enabled (see spring.properties)
				out.flush();
			}
		});
	}

	/**
	 * An answer {@code delayMillis} later, from another thread; the request thread is free
	 * meanwhile.
	 */
	@GetMapping(path = "/stream/deferred", produces = MediaType.TEXT_PLAIN_VALUE)
	public DeferredResult<String> deferred(@RequestParam(defaultValue = "500") long delayMillis) {
		DeferredResult<String> result = new DeferredResult<>(delayMillis + 10_000);
		this.scheduler.schedule(() -> result.setResult("Deferred by " + delayMillis + " ms\n"), delayMillis,
				TimeUnit.MILLISECONDS);
		return result;
	}

	private static void sleep(long millis) throws IOException {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IOException(ex);
		}
	}

	@Override
	public void destroy() {
		this.scheduler.shutdownNow();
	}

}
