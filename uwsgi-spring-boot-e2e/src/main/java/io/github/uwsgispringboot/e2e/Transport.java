package io.github.uwsgispringboot.e2e;

/**
 * How a proxy reaches the application: each proxy harness has one front end per transport.
 */
public enum Transport {

	/** The application's uwsgi unix socket ({@code uwsgi.unix-socket.path}). */
	UNIX_SOCKET("unix"),

	/** The application's uwsgi TCP port ({@code uwsgi.port}). */
	TCP("tcp");

	private final String tag;

	Transport(String tag) {
		this.tag = tag;
	}

	/**
	 * Return how the servers name this transport in their meters' tags and log lines.
	 * @return {@code unix} or {@code tcp}
	 */
	public String tag() {
		return this.tag;
	}

}
