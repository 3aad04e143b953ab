package io.github.uwsgispringboot.e2e;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import tools.jackson.databind.json.JsonMapper;

import static io.github.uwsgispringboot.e2e.EndToEnd.sha256;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A continuous load of POST requests through nginx in front of two instances of a demo application
 * ({@code nginx/failover.conf}), with one instance stopped in the middle: every request's outcome,
 * and what nginx and the stopped instance logged. nginx passes a request it could not deliver to
 * the other instance, but never a POST it has already sent: every request a stop loses reaches a
 * client as a 502.
 */
public final class Failover {

	/** Concurrent clients, each with one request outstanding at a time. */
	public static final int CLIENTS = 8;

	/** How a request that got no HTTP response at all is recorded. */
	public static final String NO_RESPONSE = "no response: ";

	/** The connection failed after nginx had sent the request: a POST is answered 502. */
	public static final Pattern FAILED_AFTER_SENDING = Pattern
		.compile("((recv|send|writev|readv)\\(\\) failed|upstream prematurely closed)[^\\n]*upstream");

	/** nginx could not connect: it passes the request on to the other instance. */
	private static final Pattern FAILED_CONNECT = Pattern.compile("connect\\(\\) (to \\S+ )?failed");

	/** Answered requests before the stop: both instances are warm, not answering their first. */
	private static final int WARM_UP_REQUESTS = 100;

	private static final Duration LOAD_BEFORE_STOP = Duration.ofSeconds(1);

	private static final Duration LOAD_AFTER_STOP = Duration.ofMillis(1500);

	private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

	private static final List<Body> BODIES = bodies(16, 10 * 1024, 64 * 1024);

	private static final JsonMapper json = new JsonMapper();

	private Failover() {
	}

	/**
	 * Drive the load (POST /sha256 with bodies of 10 to 64 KiB) at {@code uri}, stop an instance in
	 * the middle, keep the load on for a while, then collect every request's outcome.
	 * @param uri the URI of {@code /sha256} at nginx
	 * @param stop what stops the instance; returns when it has stopped
	 * @return the run
	 */
	public static Run underLoad(URI uri, Stop stop) throws Exception {
		try (Load load = new Load(uri)) {
			load.awaitSucceeded(WARM_UP_REQUESTS, Duration.ofSeconds(30));
			Thread.sleep(LOAD_BEFORE_STOP.toMillis());
			long stopping = System.nanoTime();
			stop.run();
			long stopped = System.nanoTime();
			Thread.sleep(LOAD_AFTER_STOP.toMillis());
			return new Run(load.finish(), stopping, stopped);
		}
	}

	/**
	 * Print one {@code [failover]} line with the numbers of a run (in surefire's output file).
	 */
	public static void report(String scenario, Run run, Nginx nginx, ApplicationProcess a, ApplicationProcess b)
			throws IOException {
		String errors = nginx.errorLog();
		System.out.printf("[failover] %s of a: %d requests, %d failed, %d answered after the stop (which took %d ms);"
				+ " a answered %d, b %d; nginx: %d connect() failed and passed on, %d failed after sending%n",
				scenario, run.outcomes().size(), run.failures().size(), run.succeededAfterStop(),
				TimeUnit.NANOSECONDS.toMillis(run.stopped() - run.stopping()), a.servedRequests(), b.servedRequests(),
				count(errors, FAILED_CONNECT), count(errors, FAILED_AFTER_SENDING));
	}

	/**
	 * Return the failed requests with their times from the start of the stop, nginx's upstream
	 * errors and the end of the stopped instance's log.
	 */
	public static String diagnostics(Run run, Nginx nginx, ApplicationProcess stopped) throws IOException {
		String failures = run.failures()
			.stream()
			.map((failure) -> String.format("%+d..%+d ms: %s", millisSinceStop(run, failure.start()),
					millisSinceStop(run, failure.end()), failure.failure()))
			.collect(Collectors.joining("\n"));
		String upstreamErrors = nginx.errorLog()
			.lines()
			.filter((line) -> line.contains("upstream") && !line.contains("buffered to a temporary file"))
			.collect(Collectors.joining("\n"));
		String log = stopped.log();
		return "failed requests (the stop took " + millisSinceStop(run, run.stopped()) + " ms):\n" + failures
				+ "\nnginx:\n" + upstreamErrors + "\ninstance a:\n" + log.substring(Math.max(0, log.length() - 8000));
	}

	private static long count(String log, Pattern pattern) {
		return pattern.matcher(log).results().count();
	}

	private static long millisSinceStop(Run run, long nanoTime) {
		return TimeUnit.NANOSECONDS.toMillis(nanoTime - run.stopping());
	}

	private static List<Body> bodies(int count, int minSize, int maxSize) {
		Random random = new Random(42);
		List<Body> bodies = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			byte[] bytes = new byte[minSize + random.nextInt(maxSize - minSize + 1)];
			random.nextBytes(bytes);
			bodies.add(new Body(bytes, sha256(bytes)));
		}
		return List.copyOf(bodies);
	}

	/** What stops an instance. */
	@FunctionalInterface
	public interface Stop {

		void run() throws Exception;

	}

	/** One request: when it started and ended ({@link System#nanoTime()}), and why it failed. */
	public record Outcome(long start, long end, String failure) {

		public boolean failed() {
			return this.failure != null;
		}

	}

	/** Every request of a run, and when the stop began and ended. */
	public record Run(List<Outcome> outcomes, long stopping, long stopped) {

		public List<Outcome> failures() {
			return this.outcomes.stream().filter(Outcome::failed).toList();
		}

		/** The requests outstanding at some time between the start and the end of the stop. */
		public List<Outcome> inFlightDuringStop() {
			return this.outcomes.stream()
				.filter((outcome) -> outcome.start() < this.stopped && outcome.end() > this.stopping)
				.toList();
		}

		public long succeededAfterStop() {
			return this.outcomes.stream()
				.filter((outcome) -> !outcome.failed() && outcome.start() > this.stopped)
				.count();
		}

	}

	/** A request body and the digest the application must answer for it. */
	private record Body(byte[] bytes, String sha256) {
	}

	/**
	 * {@value #CLIENTS} clients sending POST /sha256 back to back, each checking status and digest.
	 */
	private static final class Load implements AutoCloseable {

		private final HttpClient client = HttpClient.newBuilder()
			.version(HttpClient.Version.HTTP_1_1)
			.connectTimeout(REQUEST_TIMEOUT)
			.build();

		private final ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);

		private final Queue<Outcome> outcomes = new ConcurrentLinkedQueue<>();

		private final URI uri;

		private volatile boolean running = true;

		Load(URI uri) {
			this.uri = uri;
			for (int i = 0; i < CLIENTS; i++) {
				this.clients.execute(this::sendUntilFinished);
			}
		}

		private void sendUntilFinished() {
			while (this.running) {
				Body body = BODIES.get(ThreadLocalRandom.current().nextInt(BODIES.size()));
				long start = System.nanoTime();
				String failure = send(body);
				this.outcomes.add(new Outcome(start, System.nanoTime(), failure));
			}
		}

		/**
		 * Send one request; return {@code null} when it was answered correctly, else what went wrong.
		 */
		private String send(Body body) {
			HttpRequest request = HttpRequest.newBuilder(this.uri)
				.timeout(REQUEST_TIMEOUT)
				.header("Content-Type", "application/octet-stream")
				.POST(BodyPublishers.ofByteArray(body.bytes()))
				.build();
			try {
				HttpResponse<String> response = this.client.send(request, BodyHandlers.ofString());
				if (response.statusCode() != 200) {
					return "status " + response.statusCode();
				}
				Map<?, ?> answer = json.readValue(response.body(), Map.class);
				if (!body.sha256().equals(answer.get("sha256"))
						|| !Integer.valueOf(body.bytes().length).equals(answer.get("length"))) {
					return "wrong answer " + response.body();
				}
				return null;
			}
			catch (IOException ex) {
				return NO_RESPONSE + ex;
			}
			catch (RuntimeException ex) {
				return ex.toString();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return ex.toString();
			}
		}

		void awaitSucceeded(int count, Duration timeout) throws InterruptedException {
			long deadline = System.nanoTime() + timeout.toNanos();
			while (this.outcomes.stream().filter((outcome) -> !outcome.failed()).count() < count) {
				assertThat(System.nanoTime()).as("%d requests answered within %s", count, timeout).isLessThan(deadline);
				Thread.sleep(50);
			}
		}

		List<Outcome> finish() throws InterruptedException {
			this.running = false;
			this.clients.shutdown();
			assertThat(this.clients.awaitTermination(REQUEST_TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS))
				.as("clients finished").isTrue();
			return List.copyOf(this.outcomes);
		}

		@Override
		public void close() {
			this.running = false;
			this.clients.shutdownNow();
		}

	}

}
