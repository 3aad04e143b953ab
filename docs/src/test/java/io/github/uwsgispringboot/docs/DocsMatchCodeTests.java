package io.github.uwsgispringboot.docs;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import io.github.uwsgispringboot.protocol.UwsgiProtocolException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The documentation states facts about the code: these tests fail when the two drift apart.
 */
class DocsMatchCodeTests {

	private static final Pattern REFERENCE_ROW = Pattern.compile("^\\| `(uwsgi\\.[a-z.-]+)` \\|", Pattern.MULTILINE);

	@Test
	void everyPropertyHasADescriptionInTheMetadata() throws IOException {
		Map<String, String> descriptions = new LinkedHashMap<>();
		metadata().get("properties").forEach((property) -> descriptions.put(property.get("name").asString(),
				property.has("description") ? property.get("description").asString() : ""));
		assertThat(descriptions).isNotEmpty().allSatisfy((name, description) -> assertThat(description)
			.as("description of %s", name).isNotBlank());
	}

	@Test
	void configurationReferenceListsExactlyThePropertiesOfTheCode() throws IOException {
		Set<String> inCode = new TreeSet<>();
		metadata().get("properties").forEach((property) -> inCode.add(property.get("name").asString()));
		Set<String> inDocs = new TreeSet<>();
		Matcher row = REFERENCE_ROW.matcher(Files.readString(Path.of("configuration.md")));
		while (row.find()) {
			inDocs.add(row.group(1));
		}
		assertThat(inDocs).isEqualTo(inCode);
	}

	@Test
	void readmeLinksEveryPage() throws IOException {
		String readme = Files.readString(Path.of("..", "README.md"));
		try (var pages = Files.list(Path.of("."))) {
			pages.filter((page) -> page.toString().endsWith(".md"))
				.forEach((page) -> assertThat(readme).contains("(docs/" + page.getFileName() + ")"));
		}
	}

	@Test
	void ciRunsTheTestCommandTheReadmeGives() throws IOException {
		String readme = Files.readString(Path.of("..", "README.md"));
		String ci = Files.readString(Path.of("..", ".ci", "run"));
		assertThat(ci).contains("scripts/test.sh");
		assertThat(readme).contains("scripts/test.sh").contains("scripts/run-demo.sh");
	}

	@Test
	void troubleshootingListsEveryReasonTheServerLogs() throws IOException {
		String troubleshooting = Files.readString(Path.of("troubleshooting.md"));
		assertThat(UwsgiProtocolException.Reason.values()).allSatisfy((reason) -> assertThat(troubleshooting)
			.as("reason %s", reason)
			.contains(reason.description()));
	}

	private static JsonNode metadata() throws IOException {
		try (InputStream json = DocsMatchCodeTests.class.getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
			assertThat(json).as("configuration metadata of uwsgi-spring-boot-autoconfigure").isNotNull();
			return JsonMapper.builder().build().readTree(json);
		}
	}

}
