package dev.quarry.data;

import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;

/** Plans and projects' choices of them, through {@link PlanEntity} and {@link TeamPlanEntity}. */
@ApplicationScoped
public class Plans {
    /**
     * Puts the project on {@code planId} with exactly these overrides (others cleared), in one transaction.
     * False, and nothing written, when there is no such plan.
     */
    public Uni<Boolean> assign(long teamId, String planId, Map<String, Long> overrides) {
        return Sessions.write(() -> PlanEntity.<PlanEntity>findById(planId).flatMap(plan -> {
            if (plan == null) {
                return Uni.createFrom().item(false);
            }
            return TeamPlanEntity.<TeamPlanEntity>findById(teamId).flatMap(existing -> {
                TeamPlanEntity choice = existing != null ? existing : new TeamPlanEntity();
                choice.teamId = teamId;
                choice.planId = planId;
                for (String column : TeamPlanEntity.OVERRIDES) {
                    choice.setOverride(column, overrides.get(column));
                }
                return (existing != null ? Uni.createFrom().item(choice) : choice.<TeamPlanEntity>persist())
                        .replaceWith(true);
            });
        }));
    }
}
