package io.github.uwsgispringboot.protocol;

import java.time.Duration;

/**
 * The limits a uwsgi server enforces on one connection: the Netty server's decoder and the Tomcat
 * connector alike.
 *
 * @param maxVarsSize the largest vars block accepted, from 1 to
 * {@value UwsgiConstants#MAX_VARS_SIZE} bytes; beyond it the request is answered 431
 * @param maxVars the most vars accepted in one packet; beyond it the request is answered 431
 * @param maxBodySize the largest {@code CONTENT_LENGTH} accepted, or -1 for no limit; beyond it the
 * request is answered 413 before any of the body is read
 * @param headerTimeout the time from the connection's start within which the header and the vars
 * must have arrived in full (a total deadline, not a per-read timeout), or zero for none; past it
 * the connection is closed
 * @param bodyIdleTimeout the longest wait for the next bytes of a request body, or zero for none;
 * past it the connection is closed
 * @param requestTimeout how long a request may take, from its arrival to the end of its response,
 * see {@link UwsgiRequestTimeout}
 */
public record UwsgiLimits(int maxVarsSize, int maxVars, long maxBodySize, Duration headerTimeout,
		Duration bodyIdleTimeout, UwsgiRequestTimeout requestTimeout) {

	/** Limits as the protocol allows, and no deadlines. */
	public static final UwsgiLimits NONE = new UwsgiLimits(UwsgiConstants.MAX_VARS_SIZE, Integer.MAX_VALUE, -1,
			Duration.ZERO, Duration.ZERO, UwsgiRequestTimeout.NONE);

	/**
	 * Limits without a request timeout.
	 * @param maxVarsSize the largest vars block accepted
	 * @param maxVars the most vars accepted in one packet
	 * @param maxBodySize the largest {@code CONTENT_LENGTH} accepted, or -1 for no limit
	 * @param headerTimeout the deadline of the header and the vars, or zero for none
	 * @param bodyIdleTimeout the longest wait for the next bytes of a request body, or zero for none
	 */
	public UwsgiLimits(int maxVarsSize, int maxVars, long maxBodySize, Duration headerTimeout,
			Duration bodyIdleTimeout) {
		this(maxVarsSize, maxVars, maxBodySize, headerTimeout, bodyIdleTimeout, UwsgiRequestTimeout.NONE);
	}

	/**
	 * Check the limits.
	 */
	public UwsgiLimits {
		if (requestTimeout == null) {
			requestTimeout = UwsgiRequestTimeout.NONE;
		}
		if (maxVarsSize < 1 || maxVarsSize > UwsgiConstants.MAX_VARS_SIZE) {
			throw new IllegalArgumentException(
					"maxVarsSize must be between 1 and " + UwsgiConstants.MAX_VARS_SIZE + ": " + maxVarsSize);
		}
		if (maxVars < 1) {
			throw new IllegalArgumentException("maxVars must be positive: " + maxVars);
		}
		if (maxBodySize < -1) {
			throw new IllegalArgumentException("maxBodySize must be -1 (no limit) or more: " + maxBodySize);
		}
		if (headerTimeout.isNegative() || bodyIdleTimeout.isNegative()) {
			throw new IllegalArgumentException("Timeouts must not be negative");
		}
	}

	/**
	 * Return these limits with another largest vars block.
	 * @param size the largest vars block accepted
	 * @return new limits
	 */
	public UwsgiLimits withMaxVarsSize(int size) {
		return new UwsgiLimits(size, this.maxVars, this.maxBodySize, this.headerTimeout, this.bodyIdleTimeout,
				this.requestTimeout);
	}

	/**
	 * Return these limits with another request timeout.
	 * @param timeout the request timeout
	 * @return the limits
	 */
	public UwsgiLimits withRequestTimeout(UwsgiRequestTimeout timeout) {
		return new UwsgiLimits(this.maxVarsSize, this.maxVars, this.maxBodySize, this.headerTimeout,
				this.bodyIdleTimeout, timeout);
	}

}
