package io.github.uwsgispringboot.demo;

import java.util.Map;

import reactor.core.publisher.Mono;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import reactor.netty.http.server.WebsocketServerSpec;

import org.springframework.web.reactive.HandlerMapping;
import org.springframework.web.reactive.config.WebFluxConfigurer;
import org.springframework.web.reactive.handler.SimpleUrlHandlerMapping;
import org.springframework.web.reactive.socket.WebSocketHandler;
import org.springframework.web.reactive.socket.WebSocketMessage;
import org.springframework.web.reactive.socket.WebSocketSession;
import org.springframework.web.reactive.socket.server.WebSocketService;
import org.springframework.web.reactive.socket.server.support.HandshakeWebSocketService;
import org.springframework.web.reactive.socket.server.upgrade.ReactorNettyRequestUpgradeStrategy;

/**
 * A WebSocket at {@code /ws/echo}: text comes back prefixed with "echo: ", binary comes back as
 * sent. Through nginx {@code uwsgi_pass} it needs no configuration: nginx tunnels the connection once
 * the application answers {@code 101}.
 */
public class EchoWebSocketHandler implements WebSocketHandler {

	@Override
	public Mono<Void> handle(WebSocketSession session) {
		return session.send(session.receive().map((message) -> echo(session, message)));
	}

	private static WebSocketMessage echo(WebSocketSession session, WebSocketMessage message) {
		if (message.getType() == WebSocketMessage.Type.TEXT) {
			return session.textMessage("echo: " + message.getPayloadAsText());
		}
		message.retain();
		return new WebSocketMessage(message.getType(), message.getPayload());
	}

	@Configuration(proxyBeanMethods = false)
	static class Mapping {

		@Bean
		HandlerMapping webSocketMapping() {
			return new SimpleUrlHandlerMapping(Map.of("/ws/echo", new EchoWebSocketHandler()), -1);
		}

		/**
		 * Frames of up to 2 MiB (Reactor Netty's default is 64 KiB).
		 */
		@Bean
		WebFluxConfigurer largeWebSocketFrames() {
			return new WebFluxConfigurer() {

				@Override
				public WebSocketService getWebSocketService() {
					return new HandshakeWebSocketService(new ReactorNettyRequestUpgradeStrategy(
							() -> WebsocketServerSpec.builder().maxFramePayloadLength(2 * 1024 * 1024)));
				}

			};
		}

	}

}
