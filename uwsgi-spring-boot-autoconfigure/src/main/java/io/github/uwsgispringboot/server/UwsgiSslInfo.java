package io.github.uwsgispringboot.server;

import java.io.ByteArrayInputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.http.server.reactive.SslInfo;

import io.github.uwsgispringboot.protocol.UwsgiVars;

/**
 * The client's TLS session at the proxy, as the proxy forwarded it: {@code SSL_SESSION_ID} and
 * the client certificate in {@code SSL_CLIENT_CERT}, PEM either URL-escaped (nginx
 * {@code $ssl_client_escaped_cert}) or plain (Apache mod_ssl, nginx's tab-indented
 * {@code $ssl_client_cert}), or in {@code HTTPS_CC} (the uWSGI https router).
 */
final class UwsgiSslInfo implements SslInfo {

	private static final Log logger = LogFactory.getLog(UwsgiSslInfo.class);

	private final String sessionId;

	private final X509Certificate[] peerCertificates;

	private UwsgiSslInfo(String sessionId, X509Certificate[] peerCertificates) {
		this.sessionId = sessionId;
		this.peerCertificates = peerCertificates;
	}

	static UwsgiSslInfo from(UwsgiVars vars) {
		String sessionId = vars.get("SSL_SESSION_ID");
		String certificate = vars.get("SSL_CLIENT_CERT");
		return new UwsgiSslInfo((sessionId != null && !sessionId.isEmpty()) ? sessionId : null,
				certificate((certificate != null) ? certificate : vars.get("HTTPS_CC")));
	}

	private static X509Certificate[] certificate(String value) {
		if (value == null || value.isBlank()) {
			return null;
		}
		String pem = value.contains("%") ? URLDecoder.decode(value, StandardCharsets.ISO_8859_1) : value;
		pem = pem.replace('\t', '\n');
		try {
			CertificateFactory factory = CertificateFactory.getInstance("X.509");
			X509Certificate certificate = (X509Certificate) factory
				.generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.ISO_8859_1)));
			return new X509Certificate[] { certificate };
		}
		catch (CertificateException | IllegalArgumentException ex) {
			logger.warn("Ignored the client certificate in SSL_CLIENT_CERT: it is not a PEM X.509 certificate ("
					+ ex.getMessage() + ")");
			return null;
		}
	}

	@Override
	public String getSessionId() {
		return this.sessionId;
	}

	@Override
	public X509Certificate[] getPeerCertificates() {
		return this.peerCertificates;
	}

}
