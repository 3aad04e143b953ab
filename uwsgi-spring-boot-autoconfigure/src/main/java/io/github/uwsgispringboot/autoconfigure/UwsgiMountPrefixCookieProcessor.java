package io.github.uwsgispringboot.autoconfigure;

import java.nio.charset.Charset;

import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import org.apache.catalina.Context;
import org.apache.catalina.util.SessionConfig;
import org.apache.tomcat.util.http.CookieProcessor;
import org.apache.tomcat.util.http.MimeHeaders;
import org.apache.tomcat.util.http.ServerCookies;

import io.github.uwsgispringboot.protocol.UwsgiRequest;

/**
 * Puts the mount prefix of a uwsgi request ({@code SCRIPT_NAME}) in front of the path of the
 * session cookie Tomcat writes for it: Tomcat takes that path from the context, which lies below
 * the prefix, so an application mounted at {@code /app} would get {@code JSESSIONID=...; Path=/}
 * and share its session cookie with every other application of the host. Every other cookie is the
 * application's, built from the request's context path, which already starts with the prefix.
 */
final class UwsgiMountPrefixCookieProcessor implements CookieProcessor {

	private final CookieProcessor delegate;

	private final Context context;

	UwsgiMountPrefixCookieProcessor(CookieProcessor delegate, Context context) {
		this.delegate = delegate;
		this.context = context;
	}

	@Override
	public void parseCookieHeader(MimeHeaders headers, ServerCookies serverCookies) {
		this.delegate.parseCookieHeader(headers, serverCookies);
	}

	@Override
	public String generateHeader(Cookie cookie, HttpServletRequest request) {
		Object prefix = (request != null) ? request.getAttribute(UwsgiRequest.MOUNT_PREFIX_ATTRIBUTE) : null;
		if (prefix instanceof String mountPrefix && isSessionCookie(cookie) && cookie.getPath() != null
				&& !cookie.getPath().startsWith(mountPrefix + "/") && !cookie.getPath().equals(mountPrefix)) {
			Cookie mounted = (Cookie) cookie.clone();
			mounted.setPath(mountPrefix + cookie.getPath());
			return this.delegate.generateHeader(mounted, request);
		}
		return this.delegate.generateHeader(cookie, request);
	}

	private boolean isSessionCookie(Cookie cookie) {
		return cookie.getName().equals(SessionConfig.getSessionCookieName(this.context));
	}

	@Override
	public Charset getCharset() {
		return this.delegate.getCharset();
	}

}
