package io.github.uwsgispringboot.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A demo application in a JVM of its own, from the test's class path, listening on a uwsgi unix
 * socket, with its output (and access log) in a file.
 */
public final class ApplicationProcess implements AutoCloseable {

	/** An access log line of a POST /sha256 answered with 200. */
	private static final Pattern ANSWERED = Pattern.compile("\"POST /sha256 [^\"]*\" 200 ");

	private final Path socket;

	private final Path log;

	private final Process process;

	private ApplicationProcess(Path socket, Path log, Process process) {
		this.socket = socket;
		this.log = log;
		this.process = process;
	}

	/**
	 * Start {@code application}'s main class with its uwsgi unix socket and its log in {@code dir},
	 * named after {@code name}, the uwsgi access log on, and the given further arguments.
	 * @param application the class with the main method
	 * @param name the instance's name
	 * @param dir where the socket and the log go
	 * @param arguments more command line arguments, such as {@code --uwsgi.port=0}
	 * @return the started process
	 * @throws IOException when the JVM cannot be started
	 */
	public static ApplicationProcess start(Class<?> application, String name, Path dir, String... arguments)
			throws IOException {
		Path socket = dir.resolve(name + ".sock");
		Path log = dir.resolve(name + ".log");
		List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
				"-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
				application.getName(), "--server.address=127.0.0.1", "--uwsgi.unix-socket.path=" + socket,
				"--uwsgi.access-log.enabled=true", "--spring.main.banner-mode=off"));
		command.addAll(List.of(arguments));
		Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
		return new ApplicationProcess(socket, log, process);
	}

	/**
	 * Wait until the log has a line matching {@code line}.
	 * @param line what to wait for
	 * @param timeout how long at most
	 * @return the match
	 * @throws IllegalStateException when the process exits or the time is up first
	 */
	public Matcher awaitLog(Pattern line, Duration timeout) throws IOException, InterruptedException {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (System.nanoTime() < deadline) {
			Matcher matcher = line.matcher(log());
			if (matcher.find()) {
				return matcher;
			}
			if (!this.process.isAlive()) {
				break;
			}
			Thread.sleep(100);
		}
		throw new IllegalStateException("no line matching " + line + " in the log:\n" + log());
	}

	/**
	 * Wait until the uwsgi unix socket file exists: bound and listening.
	 * @param timeout how long at most
	 * @throws IllegalStateException when the process exits or the time is up first
	 */
	public void awaitSocket(Duration timeout) throws IOException, InterruptedException {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (System.nanoTime() < deadline) {
			if (Files.exists(this.socket)) {
				return;
			}
			if (!this.process.isAlive()) {
				break;
			}
			Thread.sleep(100);
		}
		throw new IllegalStateException("no socket " + this.socket + ":\n" + log());
	}

	public Path socket() {
		return this.socket;
	}

	/** SIGTERM: Spring Boot's graceful shutdown. Returns when the JVM has exited. */
	public void stopGracefully() throws InterruptedException {
		this.process.destroy();
		assertThat(this.process.waitFor(40, TimeUnit.SECONDS)).as("exited after SIGTERM").isTrue();
	}

	/** SIGKILL. Returns when the process is gone. */
	public void kill() throws InterruptedException {
		this.process.destroyForcibly();
		assertThat(this.process.waitFor(10, TimeUnit.SECONDS)).as("gone after SIGKILL").isTrue();
	}

	public int exitValue() {
		return this.process.exitValue();
	}

	public String log() throws IOException {
		return Files.readString(this.log, StandardCharsets.ISO_8859_1);
	}

	/** Requests the access log shows as answered. */
	public long servedRequests() throws IOException {
		return ANSWERED.matcher(log()).results().count();
	}

	/**
	 * Requests the access log shows as answered once no more lines arrive: the line of a request is
	 * written as its exchange completes, a moment after nginx got the response.
	 */
	public long settledServedRequests() throws IOException, InterruptedException {
		long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
		long served = servedRequests();
		while (System.nanoTime() < deadline) {
			Thread.sleep(200);
			long now = servedRequests();
			if (now == served) {
				return served;
			}
			served = now;
		}
		return served;
	}

	@Override
	public void close() throws InterruptedException {
		if (this.process.isAlive()) {
			this.process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
		}
	}

}
