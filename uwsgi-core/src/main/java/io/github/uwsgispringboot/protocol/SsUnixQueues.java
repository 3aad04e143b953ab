package io.github.uwsgispringboot.protocol;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Reads the accept queue of a unix socket listener with {@code ss} from iproute2. Linux tells a
 * unix listener's queue only through netlink ({@code sock_diag}, {@code UNIX_DIAG_RQLEN}: the
 * queue's length and its backlog), which the JDK cannot open; {@code ss -xln} asks it and prints
 * them as {@code Recv-Q} and {@code Send-Q}. Each read starts a process: a few milliseconds.
 * <p>
 * {@code ss} is run from a fixed path, never looked up on the {@code PATH}, with fixed arguments
 * and no shell.
 */
final class SsUnixQueues {

	/** Where distributions install {@code ss}. */
	static final List<Path> LOCATIONS = List.of(Path.of("/usr/bin/ss"), Path.of("/usr/sbin/ss"), Path.of("/bin/ss"),
			Path.of("/sbin/ss"));

	/** The longest {@code ss} may take. */
	private static final long TIMEOUT_MILLIS = 2000;

	private final Path ss;

	private SsUnixQueues(Path ss) {
		this.ss = ss;
	}

	/**
	 * Return a reader, when {@code ss} is installed.
	 * @return the reader, or {@code null} without {@code ss}
	 */
	static SsUnixQueues find() {
		for (Path location : LOCATIONS) {
			if (Files.isExecutable(location)) {
				return new SsUnixQueues(location);
			}
		}
		return null;
	}

	/**
	 * Return where {@code ss} is.
	 * @return its path
	 */
	Path path() {
		return this.ss;
	}

	/**
	 * Return the accept queue of a listening unix socket. {@code ss} lists the sockets bound to
	 * its path only, so that its output stays within the pipe's buffer and it ends without waiting
	 * for a reader.
	 * @param inode the listener's inode
	 * @param path the path it was bound to, as it was given to {@code bind()}
	 * @return its length and limit, or {@code null} when {@code ss} does not list it
	 * @throws IOException when {@code ss} cannot be run, fails or takes longer than
	 * {@value #TIMEOUT_MILLIS} ms
	 */
	int[] read(long inode, Path path) throws IOException {
		Process process = new ProcessBuilder(this.ss.toString(), "-x", "-l", "-n", "src", path.toString())
			.redirectError(ProcessBuilder.Redirect.DISCARD)
			.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
			.start();
		try (InputStream output = process.getInputStream()) {
			if (!process.waitFor(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)) {
				throw new IOException(this.ss + " did not finish within " + TIMEOUT_MILLIS + " ms");
			}
			if (process.exitValue() != 0) {
				throw new IOException(this.ss + " -x -l -n exited with " + process.exitValue());
			}
			return parse(new String(output.readAllBytes(), StandardCharsets.UTF_8), inode);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IOException("Interrupted while " + this.ss + " ran", ex);
		}
		finally {
			process.destroyForcibly();
		}
	}

	/**
	 * Find a listener in the output of {@code ss -x -l -n}: lines such as
	 * {@code u_str LISTEN 2 5 /run/app/uwsgi.sock 23436728 * 0}, the queue's length and limit after
	 * the state, the inode third from the end (a path may contain spaces).
	 * @param listing the output
	 * @param inode the listener's inode
	 * @return its queue's length and limit, or {@code null} when it is not listed
	 */
	static int[] parse(String listing, long inode) {
		String wanted = Long.toString(inode);
		for (String line : listing.split("\n")) {
			String[] fields = line.trim().split("\\s+");
			int state = List.of(fields).indexOf("LISTEN");
			if (state >= 0 && fields.length >= state + 6 && fields[fields.length - 3].equals(wanted)) {
				return new int[] { Integer.parseInt(fields[state + 1]), Integer.parseInt(fields[state + 2]) };
			}
		}
		return null;
	}

}
