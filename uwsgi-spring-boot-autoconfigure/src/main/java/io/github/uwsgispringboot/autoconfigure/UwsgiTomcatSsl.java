package io.github.uwsgispringboot.autoconfigure;

import org.apache.catalina.connector.Connector;
import org.apache.tomcat.util.net.SSLHostConfig;
import org.apache.tomcat.util.net.SSLHostConfigCertificate;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundleKey;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.ssl.SslOptions;
import org.springframework.boot.ssl.SslStoreBundle;


/**
 * TLS of the uwsgi Tomcat connectors ({@code suwsgi://} at nginx), from the SSL bundle named by
 * {@code uwsgi.ssl.bundle}: the same bundle and client authentication as the Netty server's.
 */
final class UwsgiTomcatSsl {

	private final SslBundle bundle;

	private final UwsgiProperties.ClientAuth clientAuth;

	private UwsgiTomcatSsl(SslBundle bundle, UwsgiProperties.ClientAuth clientAuth) {
		this.bundle = bundle;
		this.clientAuth = clientAuth;
	}

	/**
	 * Return the TLS {@code uwsgi.ssl.*} asks for.
	 * @return the TLS settings, or {@code null} when no bundle is set
	 */
	static UwsgiTomcatSsl fromProperties(UwsgiProperties.Ssl ssl, ObjectProvider<SslBundles> sslBundles) {
		if (ssl.getBundle() == null || ssl.getBundle().isBlank()) {
			return null;
		}
		SslBundles bundles = sslBundles.getIfAvailable();
		if (bundles == null) {
			throw new IllegalStateException(
					"uwsgi.ssl.bundle is set to '" + ssl.getBundle() + "' but the application has no SSL bundles");
		}
		return new UwsgiTomcatSsl(bundles.getBundle(ssl.getBundle()), ssl.getClientAuth());
	}

	/**
	 * Turn TLS on for a connector's protocol handler.
	 */
	void apply(Connector connector) {
		SSLHostConfig config = new SSLHostConfig();
		// the endpoint's default host configuration (SSLHostConfig.DEFAULT_SSL_HOST_NAME): no SNI
		config.setHostName("_default_");
		config.setSslProtocol(this.bundle.getProtocol());
		SslStoreBundle stores = this.bundle.getStores();
		SslBundleKey key = this.bundle.getKey();
		SSLHostConfigCertificate certificate = new SSLHostConfigCertificate(config, SSLHostConfigCertificate.Type.UNDEFINED);
		certificate.setCertificateKeystore(stores.getKeyStore());
		certificate.setCertificateKeystorePassword((stores.getKeyStorePassword() != null) ? stores.getKeyStorePassword() : "");
		if (key.getPassword() != null) {
			certificate.setCertificateKeyPassword(key.getPassword());
		}
		if (key.getAlias() != null) {
			certificate.setCertificateKeyAlias(key.getAlias());
		}
		config.addCertificate(certificate);
		if (stores.getTrustStore() != null) {
			config.setTrustStore(stores.getTrustStore());
		}
		config.setCertificateVerification(switch (this.clientAuth) {
			case NONE -> "none";
			case WANT -> "optional";
			case NEED -> "required";
		});
		SslOptions options = this.bundle.getOptions();
		if (options.getEnabledProtocols() != null) {
			config.setProtocols(String.join("+", options.getEnabledProtocols()));
		}
		if (options.getCiphers() != null) {
			config.setCiphers(String.join(",", options.getCiphers()));
		}
		UwsgiTomcatConnectors.setProperty(connector, "SSLEnabled", "true");
		connector.getProtocolHandler().addSslHostConfig(config);
	}

}
