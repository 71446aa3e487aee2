package server

import (
	"context"
	"net/http"
	"strings"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/auth"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

type userListInput struct {
	Role      tandem.Role `query:"role" enum:"admin,revops,ae,partner_manager,vp_sales,vp_channel,cro,ceo,partner_user"`
	PartnerID int64       `query:"partner_id"`
	Query     string      `query:"q" doc:"name or email contains"`
	Sort      string      `query:"sort" doc:"name, email, role or id; a leading - reverses"`
	PageParams
}

func (in *userListInput) filter() sqlstore.UserFilter {
	return sqlstore.UserFilter{Role: in.Role, PartnerID: in.PartnerID, Query: in.Query, Sort: in.Sort,
		Limit: in.Limit, Offset: in.Offset}
}

type userInput struct {
	ExternalID string      `json:"external_id,omitempty"`
	Email      string      `json:"email" format:"email"`
	Name       string      `json:"name"`
	Role       tandem.Role `json:"role" enum:"admin,revops,ae,partner_manager,vp_sales,vp_channel,cro,ceo,partner_user"`
	PartnerID  int64       `json:"partner_id,omitempty" doc:"required for a partner_user, and only for it"`
	ManagerID  int64       `json:"manager_id,omitempty"`
	Password   string      `json:"password,omitempty" minLength:"12" doc:"generated and returned once when absent"`
}

type createdUser struct {
	User     tandem.User `json:"user"`
	Password string      `json:"password,omitempty" doc:"the generated password, shown this once"`
}

func (s *Server) registerUserAPI() {
	register(s.api, opGet("list-users", "/users", "List users", ""), pageFor(s, s.store.ListUsers, (*userListInput).filter))
	register(s.api, opGet("get-user", "/users/{id}", "Get a user", ""), byID(s, s.store.GetUser))
	register(s.api, created(op(http.MethodPost, "create-user", "/users", "Create a user", "Only an admin may create another admin.")),
		func(ctx context.Context, in *struct{ Body userInput }) (*bodyOutput[createdUser], error) {
			actor := actorFrom(ctx)
			b := in.Body
			if b.Role == tandem.RoleAdmin && actor.Role != tandem.RoleAdmin {
				return nil, s.problem(ctx, tandem.Errorf(tandem.EFORBIDDEN, "only an admin may create an admin"))
			}
			u := tandem.User{ExternalID: b.ExternalID, Email: strings.ToLower(strings.TrimSpace(b.Email)), Name: b.Name,
				Role: b.Role, PartnerID: b.PartnerID, ManagerID: b.ManagerID}
			if err := u.Validate(); err != nil {
				return nil, s.problem(ctx, err)
			}
			out := createdUser{}
			password := b.Password
			if password == "" {
				password = auth.GeneratePassword()
				out.Password = password
			}
			hash, err := s.hasher.Hash(ctx, password)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			if err := s.store.CreateUser(ctx, actor, &u, hash); err != nil {
				return nil, s.problem(ctx, err)
			}
			out.User = u
			return ok(out), nil
		})
}
