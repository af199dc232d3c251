package dev.caravel.billing.stripe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravel.billing.stripe.fake.FakeStripe;
import java.util.LinkedHashMap;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.NotEmpty;
import org.junit.jupiter.api.Test;

class FormTest {
  @Property(tries = 300)
  void whatTheGatewayEncodesTheFakeDecodes(@ForAll @NotEmpty Map<@NotEmpty String, String> fields) {
    Map<String, String> ordered = new LinkedHashMap<>(fields);
    assertThat(FakeStripe.parseForm(Form.encode(ordered))).isEqualTo(ordered);
  }

  @Test
  void bracketedKeysAndReservedCharactersAreEscaped() {
    Map<String, String> form = new LinkedHashMap<>();
    form.put("metadata[invoice_id]", "inv 1&2=3");
    form.put("amount", "2500");
    assertThat(Form.encode(form)).isEqualTo("metadata%5Binvoice_id%5D=inv+1%262%3D3&amount=2500");
  }
}
