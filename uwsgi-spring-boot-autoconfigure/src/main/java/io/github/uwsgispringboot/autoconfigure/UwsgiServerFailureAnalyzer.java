package io.github.uwsgispringboot.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

import io.github.uwsgispringboot.protocol.UwsgiServerException;

/**
 * Explains a uwsgi listener that could not start in Spring Boot's start-up failure report.
 */
class UwsgiServerFailureAnalyzer extends AbstractFailureAnalyzer<UwsgiServerException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, UwsgiServerException cause) {
		return new FailureAnalysis(cause.getMessage(),
				"Change uwsgi.port or uwsgi.unix-socket.path, stop the other process, or set uwsgi.enabled=false.",
				cause);
	}

}
