package io.github.uwsgispringboot.e2e;

/**
 * How a proxy reaches the application: each proxy harness has one front end per transport.
 */
public enum Transport {

	/** The application's uwsgi unix socket ({@code uwsgi.unix-socket.path}). */
	UNIX_SOCKET,

	/** The application's uwsgi TCP port ({@code uwsgi.port}). */
	TCP

}
