package io.github.uwsgispringboot.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;

import tools.jackson.databind.json.JsonMapper;

/**
 * What the end-to-end tests and their proxy harnesses share: temporary socket directories the
 * proxies' workers can reach, test bodies and their digests, JSON answers, free ports.
 */
public final class EndToEnd {

	private static final JsonMapper json = new JsonMapper();

	private EndToEnd() {
	}

	/**
	 * Return a new temporary directory for a uwsgi unix socket, searchable by the proxies' workers
	 * (nobody or www-data when the tests run as root).
	 */
	public static Path socketDir() {
		try {
			Path dir = Files.createTempDirectory("uwsgi-e2e");
			Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
			return dir;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Return {@code length} pseudo-random bytes, the same for the same length.
	 */
	public static byte[] randomBytes(int length) {
		byte[] bytes = new byte[length];
		new Random(length).nextBytes(bytes);
		return bytes;
	}

	public static String sha256(byte[] bytes) {
		try {
			return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	public static Map<String, Object> readMap(HttpResponse<String> response) {
		return readMap(response.body());
	}

	@SuppressWarnings("unchecked")
	public static Map<String, Object> readMap(String body) {
		return json.readValue(body, Map.class);
	}

	/**
	 * Return the request headers an application saw, from the JSON map of its {@code /request}
	 * answer.
	 */
	@SuppressWarnings("unchecked")
	public static Map<String, List<String>> headers(Map<String, Object> seen) {
		return (Map<String, List<String>>) seen.get("headers");
	}

	/**
	 * Return the uwsgi vars an application saw, from the JSON map of its {@code /vars} answer.
	 */
	@SuppressWarnings("unchecked")
	public static Map<String, List<String>> vars(Map<String, Object> seen) {
		return (Map<String, List<String>>) seen.get("vars");
	}

	/**
	 * Return the contents of those of the named log files in {@code dir} that exist, one after the
	 * other.
	 */
	public static String logs(Path dir, String... names) {
		StringBuilder log = new StringBuilder();
		for (String name : names) {
			Path path = dir.resolve(name);
			try {
				if (Files.exists(path)) {
					log.append(Files.readString(path, StandardCharsets.ISO_8859_1));
				}
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		}
		return log.toString();
	}

	/**
	 * Return a port free now: for the proxies, which cannot bind port 0 and tell which port they
	 * got; their harnesses retry when another process takes it meanwhile.
	 */
	public static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

	public static boolean accepts(int port) {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

}
