package io.github.uwsgispringboot.protocol;

import java.io.ByteArrayInputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;

/**
 * The certificate the client presented to the proxy, as the proxy forwards it in a var. Both
 * servers read it so: the Netty server for Spring's {@code SslInfo}, the Tomcat connector for
 * {@code jakarta.servlet.request.X509Certificate}.
 * <table>
 * <caption>Vars that carry the client certificate</caption>
 * <tr><th>Var</th><th>Sent by</th><th>Format</th></tr>
 * <tr><td>{@value #SSL_CLIENT_CERT}</td><td>nginx ({@code uwsgi_param SSL_CLIENT_CERT $ssl_client_escaped_cert;})</td>
 * <td>PEM, URL-escaped</td></tr>
 * <tr><td>{@value #SSL_CLIENT_CERT}</td><td>nginx ({@code $ssl_client_cert}, deprecated)</td>
 * <td>PEM, lines after the first indented with a tab</td></tr>
 * <tr><td>{@value #SSL_CLIENT_CERT}</td><td>Apache mod_ssl ({@code SSLOptions +ExportCertData})</td><td>PEM</td></tr>
 * <tr><td>{@value #HTTPS_CC}</td><td>the uWSGI https router</td><td>PEM</td></tr>
 * </table>
 * A value that is not a PEM X.509 certificate is ignored with a warning: the request is served
 * without a client certificate.
 */
public final class UwsgiClientCertificates {

	/** The var of nginx and Apache mod_ssl. */
	public static final String SSL_CLIENT_CERT = "SSL_CLIENT_CERT";

	/** The var of the uWSGI https router. */
	public static final String HTTPS_CC = "HTTPS_CC";

	private static final Logger logger = System.getLogger(UwsgiClientCertificates.class.getName());

	private UwsgiClientCertificates() {
	}

	/**
	 * Return the client certificate the vars carry.
	 * @param vars the request's vars
	 * @return the certificate, alone in its array as Servlet's attribute wants it, or {@code null}
	 * when there is none or it cannot be read
	 */
	public static X509Certificate[] read(UwsgiVars vars) {
		String certificate = vars.get(SSL_CLIENT_CERT);
		return (certificate != null) ? parse(SSL_CLIENT_CERT, certificate) : parse(HTTPS_CC, vars.get(HTTPS_CC));
	}

	private static X509Certificate[] parse(String var, String value) {
		if (value == null || value.isBlank()) {
			return null;
		}
		try {
			CertificateFactory factory = CertificateFactory.getInstance("X.509");
			X509Certificate certificate = (X509Certificate) factory
				.generateCertificate(new ByteArrayInputStream(pem(value).getBytes(StandardCharsets.ISO_8859_1)));
			return new X509Certificate[] { certificate };
		}
		catch (CertificateException | IllegalArgumentException ex) {
			logger.log(Level.WARNING, "Ignored the client certificate in " + var
					+ ": it is not a PEM X.509 certificate (" + ex.getMessage() + ")");
			return null;
		}
	}

	/**
	 * Return the PEM text of a value in any of the formats: unescaped (a {@code +} of the Base64
	 * stays one, whether or not the proxy escaped it) and with tab indentation turned back into lines.
	 */
	private static String pem(String value) {
		String pem = value.contains("%") ? URLDecoder.decode(value.replace("+", "%2B"), StandardCharsets.ISO_8859_1)
				: value;
		return pem.replace('\t', '\n');
	}

}
