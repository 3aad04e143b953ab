package io.github.uwsgispringboot.server;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Self-signed certificates made with the JDK's keytool, for tests.
 */
final class TestCertificate {

	private TestCertificate() {
	}

	/**
	 * Return a new self-signed certificate as PEM.
	 * @param distinguishedName its subject, e.g. {@code CN=test}
	 */
	static String selfSigned(String distinguishedName) throws Exception {
		Path dir = Files.createTempDirectory("uwsgi-cert");
		Path keystore = dir.resolve("keystore.p12");
		String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
		run(List.of(keytool, "-genkeypair", "-alias", "test", "-keyalg", "EC", "-dname", distinguishedName,
				"-validity", "2", "-keystore", keystore.toString(), "-storetype", "PKCS12", "-storepass", "secret"));
		return run(List.of(keytool, "-exportcert", "-rfc", "-alias", "test", "-keystore", keystore.toString(),
				"-storepass", "secret"));
	}

	private static String run(List<String> command) throws Exception {
		Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
		if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
			throw new IllegalStateException(String.join(" ", command) + " failed:\n" + output);
		}
		return output;
	}

}
