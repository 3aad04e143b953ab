package io.github.uwsgispringboot.protocol;

/**
 * The uwsgi server could not start: its port is in use, its unix socket is held by another
 * process, or binding failed otherwise. The message says which and what to do.
 */
public class UwsgiServerException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	/**
	 * Create an exception.
	 * @param message what failed, for the user
	 * @param cause the underlying failure, or {@code null}
	 */
	public UwsgiServerException(String message, Throwable cause) {
		super(message, cause);
	}

}
