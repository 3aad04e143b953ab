package io.github.uwsgispringboot.server;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The messages a {@code java.util.logging} logger writes from a level on: the core writes its log
 * lines (refusals, timeouts, listen queues) through {@link System.Logger}, which reaches
 * {@code java.util.logging}.
 */
final class LogLines extends Handler {

	private final Level least;

	private final List<String> lines = new CopyOnWriteArrayList<>();

	/**
	 * Keep the messages of {@code least} and above.
	 * @param least the lowest level kept
	 */
	LogLines(Level least) {
		this.least = least;
	}

	/**
	 * Return the messages kept so far, in order; the list grows as more are written.
	 * @return the messages
	 */
	List<String> lines() {
		return this.lines;
	}

	/**
	 * Keep what {@code logger} writes at every level from now on.
	 * @param logger the logger
	 */
	void captureFrom(Logger logger) {
		logger.setLevel(Level.ALL);
		logger.addHandler(this);
	}

	@Override
	public void publish(LogRecord record) {
		if (record.getLevel().intValue() >= this.least.intValue()) {
			this.lines.add(record.getMessage());
		}
	}

	@Override
	public void flush() {
	}

	@Override
	public void close() {
	}

}
