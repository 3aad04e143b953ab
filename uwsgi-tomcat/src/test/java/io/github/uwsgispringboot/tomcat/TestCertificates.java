package io.github.uwsgispringboot.tomcat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.List;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.apache.tomcat.util.net.SSLHostConfig;
import org.apache.tomcat.util.net.SSLHostConfigCertificate;

/**
 * Self-signed certificates made with the JDK's {@code keytool} for one test class: the
 * connector's, and a client's for the proxy.
 */
final class TestCertificates {

	static final String PASSWORD = "changeit";

	private final Path serverKeyStore;

	private final Path clientKeyStore;

	private final Path serverTrustStore;

	TestCertificates(Path directory) throws Exception {
		this(generate(directory, "server", "CN=localhost"), generate(directory, "proxy", "CN=nginx proxy"),
				trustStore(directory));
	}

	private TestCertificates(Path serverKeyStore, Path clientKeyStore, Path serverTrustStore) {
		this.serverKeyStore = serverKeyStore;
		this.clientKeyStore = clientKeyStore;
		this.serverTrustStore = serverTrustStore;
	}

	/**
	 * Return the certificates made in {@code directory} by another instance, in another process.
	 */
	static TestCertificates madeIn(Path directory) {
		return new TestCertificates(directory.resolve("server.p12"), directory.resolve("proxy.p12"),
				directory.resolve("server-trust.p12"));
	}

	/** The connector's trust store, with the proxy's certificate (generated first). */
	private static Path trustStore(Path directory) throws Exception {
		Path trustStore = directory.resolve("server-trust.p12");
		KeyStore trust = KeyStore.getInstance("PKCS12");
		trust.load(null, null);
		trust.setCertificateEntry("proxy", certificate(directory.resolve("proxy.p12"), "proxy"));
		try (var out = Files.newOutputStream(trustStore)) {
			trust.store(out, PASSWORD.toCharArray());
		}
		return trustStore;
	}

	private static Path generate(Path directory, String alias, String subject) throws Exception {
		Path keyStore = directory.resolve(alias + ".p12");
		Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
		Process process = new ProcessBuilder(List.of(keytool.toString(), "-genkeypair", "-alias", alias, "-keyalg",
				"EC", "-groupname", "secp256r1", "-dname", subject, "-ext", "SAN=ip:127.0.0.1,dns:localhost",
				"-validity", "2", "-storetype", "PKCS12", "-keystore", keyStore.toString(), "-storepass", PASSWORD,
				"-keypass", PASSWORD))
			.redirectErrorStream(true)
			.start();
		String output = new String(process.getInputStream().readAllBytes());
		if (process.waitFor() != 0) {
			throw new IllegalStateException("keytool failed: " + output);
		}
		return keyStore;
	}

	/**
	 * Return the connector's TLS configuration.
	 * @param verification the client certificate verification: {@code required}, {@code none} ...
	 */
	SSLHostConfig serverConfig(String verification) {
		SSLHostConfig config = new SSLHostConfig();
		SSLHostConfigCertificate certificate = new SSLHostConfigCertificate(config,
				SSLHostConfigCertificate.Type.UNDEFINED);
		certificate.setCertificateKeystoreFile(this.serverKeyStore.toString());
		certificate.setCertificateKeystorePassword(PASSWORD);
		certificate.setCertificateKeystoreType("PKCS12");
		config.addCertificate(certificate);
		config.setCertificateVerification(verification);
		config.setTruststoreFile(this.serverTrustStore.toString());
		config.setTruststorePassword(PASSWORD);
		config.setTruststoreType("PKCS12");
		return config;
	}

	/**
	 * Return a client context that trusts the connector, presenting the proxy's certificate or none.
	 * @param withCertificate whether the client presents its certificate
	 */
	SSLContext clientContext(boolean withCertificate) throws Exception {
		KeyStore trust = KeyStore.getInstance("PKCS12");
		trust.load(null, null);
		trust.setCertificateEntry("server", certificate(this.serverKeyStore, "server"));
		TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
		trustManagers.init(trust);
		KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
		keyManagers.init(withCertificate ? load(this.clientKeyStore) : null, PASSWORD.toCharArray());
		SSLContext context = SSLContext.getInstance("TLS");
		context.init(keyManagers.getKeyManagers(), trustManagers.getTrustManagers(), null);
		return context;
	}

	/**
	 * Return the connector's certificate as PEM, as Apache mod_ssl exports a client's.
	 */
	String serverCertificatePem() throws IOException, GeneralSecurityException {
		String base64 = Base64.getMimeEncoder(64, new byte[] { '\n' })
			.encodeToString(certificate(this.serverKeyStore, "server").getEncoded());
		return "-----BEGIN CERTIFICATE-----\n" + base64 + "\n-----END CERTIFICATE-----\n";
	}

	private static Certificate certificate(Path keyStore, String alias) throws IOException, GeneralSecurityException {
		return load(keyStore).getCertificate(alias);
	}

	private static KeyStore load(Path path) throws IOException, GeneralSecurityException {
		KeyStore keyStore = KeyStore.getInstance("PKCS12");
		try (InputStream in = Files.newInputStream(path)) {
			keyStore.load(in, PASSWORD.toCharArray());
		}
		return keyStore;
	}

}
