package io.github.uwsgispringboot.web;

import java.io.IOException;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;

import io.github.uwsgispringboot.protocol.UwsgiRequest;

/**
 * Puts the mount prefix of a uwsgi request ({@code SCRIPT_NAME}) back in front of the servlet
 * context path: the uwsgi Tomcat connector maps the part of the URI after the prefix, so that
 * {@code server.servlet.context-path} applies below it, and this filter makes the application see
 * {@code getContextPath()} as prefix + context path and {@code getRequestURI()} as the client sent
 * it. Links, redirects and Spring Security's login pages then carry the prefix.
 */
public class UwsgiMountPrefixFilter implements Filter {

	@Override
	public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
			throws IOException, ServletException {
		Object prefix = request.getAttribute(UwsgiRequest.MOUNT_PREFIX_ATTRIBUTE);
		if (prefix instanceof String mountPrefix && request instanceof HttpServletRequest http
				&& !(request instanceof MountedRequest)) {
			request = new MountedRequest(http, mountPrefix);
		}
		chain.doFilter(request, response);
	}

	private static final class MountedRequest extends HttpServletRequestWrapper {

		private final String prefix;

		MountedRequest(HttpServletRequest request, String prefix) {
			super(request);
			this.prefix = prefix;
		}

		@Override
		public String getContextPath() {
			return this.prefix + super.getContextPath();
		}

		@Override
		public String getRequestURI() {
			return this.prefix + super.getRequestURI();
		}

		@Override
		public StringBuffer getRequestURL() {
			StringBuffer url = new StringBuffer();
			String scheme = getScheme();
			int port = getServerPort();
			url.append(scheme).append("://").append(getServerName());
			if (port > 0 && !(("http".equals(scheme) && port == 80) || ("https".equals(scheme) && port == 443))) {
				url.append(':').append(port);
			}
			return url.append(getRequestURI());
		}

	}

}
