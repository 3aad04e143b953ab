package io.github.uwsgispringboot.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A throw-away PKI made with the openssl command line: a CA, a server certificate for
 * {@code localhost} / {@code 127.0.0.1}, a client certificate signed by the CA, and one signed by
 * another CA that nobody trusts.
 */
public final class TestCertificates {

	private final Path dir;

	private TestCertificates(Path dir) {
		this.dir = dir;
	}

	public static TestCertificates create() throws IOException, InterruptedException {
		Path dir = Files.createTempDirectory("uwsgi-tls");
		TestCertificates certificates = new TestCertificates(dir);
		certificates.ca("ca");
		certificates.ca("rogue-ca");
		certificates.signed("server", "ca", "localhost", "subjectAltName=DNS:localhost,IP:127.0.0.1");
		certificates.signed("client", "ca", "proxy.example", "extendedKeyUsage=clientAuth");
		certificates.signed("rogue", "rogue-ca", "rogue.example", "extendedKeyUsage=clientAuth");
		certificates.signed("user", "ca", "Alice Example", "extendedKeyUsage=clientAuth");
		certificates.openssl("pkcs12", "-export", "-in", "user.pem", "-inkey", "user.key", "-out", "user.p12",
				"-passout", "pass:secret");
		return certificates;
	}

	public Path certificate(String name) {
		return this.dir.resolve(name + ".pem");
	}

	public Path key(String name) {
		return this.dir.resolve(name + ".key");
	}

	public Path pkcs12(String name) {
		return this.dir.resolve(name + ".p12");
	}

	/**
	 * Return a client's TLS context that trusts the CA and presents no certificate.
	 */
	public SSLContext trustingTheCa() throws GeneralSecurityException, IOException {
		return sslContext(null);
	}

	/**
	 * Return a client's TLS context that trusts the CA and presents the certificate in the PKCS#12
	 * file {@code name} (password {@code secret}).
	 */
	public SSLContext presenting(String name) throws GeneralSecurityException, IOException {
		KeyStore identity = KeyStore.getInstance("PKCS12");
		try (InputStream in = Files.newInputStream(pkcs12(name))) {
			identity.load(in, "secret".toCharArray());
		}
		KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
		keys.init(identity, "secret".toCharArray());
		return sslContext(keys.getKeyManagers());
	}

	private SSLContext sslContext(KeyManager[] keys) throws GeneralSecurityException, IOException {
		KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
		trust.load(null, null);
		try (InputStream in = Files.newInputStream(certificate("ca"))) {
			trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
		}
		TrustManagerFactory trusted = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
		trusted.init(trust);
		SSLContext context = SSLContext.getInstance("TLS");
		context.init(keys, trusted.getTrustManagers(), null);
		return context;
	}

	private void ca(String name) throws IOException, InterruptedException {
		openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=" + name, "-keyout",
				name + ".key", "-out", name + ".pem", "-addext", "basicConstraints=critical,CA:true");
	}

	private void signed(String name, String ca, String commonName, String extension)
			throws IOException, InterruptedException {
		openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=" + commonName, "-keyout", name + ".key",
				"-out", name + ".csr");
		Files.writeString(this.dir.resolve(name + ".ext"), extension + "\n", StandardCharsets.US_ASCII);
		openssl("x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem", "-CAkey", ca + ".key", "-CAcreateserial",
				"-days", "2", "-out", name + ".pem", "-extfile", name + ".ext");
	}

	private void openssl(String... arguments) throws IOException, InterruptedException {
		List<String> command = new ArrayList<>();
		command.add("openssl");
		command.addAll(List.of(arguments));
		Process process = new ProcessBuilder(command).directory(this.dir.toFile())
			.redirectErrorStream(true)
			.start();
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
			throw new IllegalStateException("openssl " + String.join(" ", arguments) + " failed:\n" + output);
		}
	}

}
