package io.github.uwsgispringboot.protocol;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The listening sockets a process was started with in systemd's way (socket activation, see
 * {@code sd_listen_fds(3)}): {@code LISTEN_FDS} descriptors from 3 on, for the process whose pid
 * is {@code LISTEN_PID}, named by {@code LISTEN_FDNAMES} (colon-separated, systemd's
 * {@code FileDescriptorName=}, the socket unit's name by default). Both servers read them here.
 * <p>
 * The variables are inherited by every child process, so they count only when {@code LISTEN_PID}
 * is this process: systemd sets it after the fork, for the process it starts.
 */
public final class SocketActivation {

	/** The first descriptor systemd passes ({@code SD_LISTEN_FDS_START}). */
	public static final int FIRST_DESCRIPTOR = 3;

	/** The name that picks the uwsgi listeners when several sockets are passed. */
	public static final String UWSGI_NAME = "uwsgi";

	private static final SocketActivation NONE = new SocketActivation(List.of(), null);

	private final List<PassedSocket> sockets;

	private final String ignoredBecause;

	private SocketActivation(List<PassedSocket> sockets, String ignoredBecause) {
		this.sockets = List.copyOf(sockets);
		this.ignoredBecause = ignoredBecause;
	}

	/**
	 * Return the sockets passed to this process.
	 * @return the sockets, none when the process was not socket-activated
	 */
	public static SocketActivation fromEnvironment() {
		return from(System.getenv(), ProcessHandle.current().pid());
	}

	/**
	 * Return the sockets the given environment passes to the process {@code pid}.
	 * @param environment the process environment
	 * @param pid the pid of the process reading it
	 * @return the sockets
	 * @throws UwsgiServerException when the variables are malformed
	 */
	public static SocketActivation from(Map<String, String> environment, long pid) {
		String fds = environment.get("LISTEN_FDS");
		if (fds == null || fds.isBlank()) {
			return NONE;
		}
		String listenPid = environment.get("LISTEN_PID");
		if (listenPid == null || !listenPid.trim().equals(Long.toString(pid))) {
			return new SocketActivation(List.of(), "LISTEN_FDS=" + fds + " is for process " + listenPid
					+ ", not this one (" + pid + ")");
		}
		int count = parseCount(fds);
		String names = environment.get("LISTEN_FDNAMES");
		String[] split = (names != null) ? names.split(":", -1) : new String[0];
		List<PassedSocket> sockets = new ArrayList<>(count);
		for (int i = 0; i < count; i++) {
			String name = (i < split.length && !split[i].isEmpty()) ? split[i] : "unknown";
			sockets.add(new PassedSocket(FIRST_DESCRIPTOR + i, name));
		}
		return new SocketActivation(sockets, null);
	}

	private static int parseCount(String fds) {
		try {
			int count = Integer.parseInt(fds.trim());
			if (count >= 0) {
				return count;
			}
		}
		catch (NumberFormatException ex) {
			// reported below
		}
		throw new UwsgiServerException("uwsgi server failed to start: LISTEN_FDS is not a number of descriptors: '"
				+ fds + "'", null);
	}

	/**
	 * Return every socket passed.
	 * @return the sockets, in descriptor order
	 */
	public List<PassedSocket> all() {
		return this.sockets;
	}

	/**
	 * Return the sockets the uwsgi listeners serve on: those named {@value #UWSGI_NAME} when any is,
	 * else every socket passed.
	 * @return the sockets
	 */
	public List<PassedSocket> forUwsgi() {
		List<PassedSocket> named = this.sockets.stream().filter((socket) -> UWSGI_NAME.equals(socket.name())).toList();
		return named.isEmpty() ? this.sockets : named;
	}

	/**
	 * Return whether sockets were passed to this process.
	 * @return {@code true} when there is at least one
	 */
	public boolean isPresent() {
		return !this.sockets.isEmpty();
	}

	/**
	 * Return why the variables present were not for this process.
	 * @return the reason, or {@code null} when they were, or were absent
	 */
	public String ignoredBecause() {
		return this.ignoredBecause;
	}

	@Override
	public String toString() {
		return this.sockets.toString();
	}

	/**
	 * One descriptor passed by the service manager.
	 * @param fd the descriptor number, from 3
	 * @param name its name from {@code LISTEN_FDNAMES}, {@code unknown} when it has none
	 */
	public record PassedSocket(int fd, String name) {

		@Override
		public String toString() {
			return "fd " + this.fd + " (" + this.name + ")";
		}

	}

}
