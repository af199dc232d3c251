package dev.caravel.billing.spring;

import dev.caravel.billing.CycleReport;
import dev.caravel.billing.LightningWallet.WalletConnector;
import dev.caravel.billing.Messenger;
import dev.caravel.billing.PaymentGateway;
import dev.caravel.billing.micrometer.BillingMetrics;
import dev.caravel.billing.spring.CaravelBillingAutoConfiguration.BillingMetricsHolder;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.Supplier;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * {@link BillingMetrics} when billing-micrometer is on the class path and the application has a
 * {@link MeterRegistry}: the engine's listener, its rails timed, each poll cycle timed, and gauges
 * of the due and overdue invoices counted after each cycle.
 */
@AutoConfiguration(
    after = CaravelBillingAutoConfiguration.class,
    afterName = {
      "org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration",
      "org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration",
      "org.springframework.boot.actuate.autoconfigure.metrics.export.simple.SimpleMetricsExportAutoConfiguration"
    })
@ConditionalOnClass({BillingMetrics.class, MeterRegistry.class})
@ConditionalOnBean({MeterRegistry.class, BillingStatus.class})
public class CaravelBillingMetricsAutoConfiguration {
  @Bean
  @ConditionalOnMissingBean
  BillingMetrics caravelBillingMetrics(MeterRegistry registry, BillingStatus status) {
    return BillingMetrics.builder()
        .registry(registry)
        .dueInvoices(() -> status.backlog().due())
        .overdueInvoices(() -> status.backlog().overdue())
        .build();
  }

  @Bean
  @ConditionalOnMissingBean
  BillingMetricsHolder caravelBillingMetricsHolder(BillingMetrics metrics) {
    return new BillingMetricsHolder() {
      @Override
      public PaymentGateway gateway(PaymentGateway g) {
        return metrics.timed(g);
      }

      @Override
      public WalletConnector connector(WalletConnector c) {
        return metrics.timed(c);
      }

      @Override
      public Messenger messenger(Messenger m) {
        return metrics.timed(m);
      }

      @Override
      public Supplier<CycleReport.Counts> cycle(Supplier<CycleReport.Counts> c) {
        return () -> metrics.timeCountCycle(c);
      }
    };
  }
}
