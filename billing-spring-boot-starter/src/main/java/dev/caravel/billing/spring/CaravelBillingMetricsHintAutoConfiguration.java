package dev.caravel.billing.spring;

import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.context.annotation.Bean;

/**
 * One INFO line at start when the application has a {@code MeterRegistry} but not
 * billing-micrometer: billing's metrics need that module, and without this line their absence would
 * go unnoticed until someone looked for them.
 */
@AutoConfiguration(
    after = CaravelBillingAutoConfiguration.class,
    afterName = {
      "org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration",
      "org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration",
      "org.springframework.boot.actuate.autoconfigure.metrics.export.simple.SimpleMetricsExportAutoConfiguration"
    })
@ConditionalOnClass(name = "io.micrometer.core.instrument.MeterRegistry")
@ConditionalOnMissingClass("dev.caravel.billing.micrometer.BillingMetrics")
@ConditionalOnBean(
    value = BillingStatus.class,
    type = "io.micrometer.core.instrument.MeterRegistry")
public class CaravelBillingMetricsHintAutoConfiguration {
  /** What the line says. */
  static final String HINT =
      "Caravel Billing: a MeterRegistry is present but dev.caravel:billing-micrometer is not on the"
          + " class path, so billing records no metrics; add that dependency to get them";

  private static final System.Logger LOG =
      System.getLogger(CaravelBillingMetricsHintAutoConfiguration.class.getName());

  @Bean
  InitializingBean caravelBillingMetricsHint() {
    return () -> LOG.log(System.Logger.Level.INFO, HINT);
  }
}
