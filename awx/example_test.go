package awx_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"

	"github.com/awxtoken/awxtoken/awx"
)

// Create a personal access token for the caller, as New-Token -ForMe does.
// The clear token exists only in this response.
func ExampleTokensService_CreateForMe() {
	c, err := awx.NewClient("https://awx.example.com", awx.WithToken(os.Getenv("CONTROLLER_OAUTH_TOKEN")))
	if err != nil {
		log.Fatal(err)
	}
	desc := "CI pipeline"
	tok, _, err := c.Tokens.CreateForMe(context.Background(), awx.TokenCreateRequest{Description: &desc, Scope: "write"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tok.ID, tok.Token)
}

// Walk every token of an application, 200 per request.
func ExampleTokensService_All() {
	c, err := awx.NewClient("https://awx.example.com/awx", awx.WithToken(os.Getenv("CONTROLLER_OAUTH_TOKEN")))
	if err != nil {
		log.Fatal(err)
	}
	opts := &awx.TokenListOptions{Application: 2, ListOptions: awx.ListOptions{PageSize: awx.MaxPageSize}}
	for tok, err := range c.Tokens.All(context.Background(), opts) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(tok.ID, tok.Description, tok.Expires)
	}
}

// Tell a missing object from other failures.
func ExampleErrorResponse() {
	c, err := awx.NewClient("https://awx.example.com", awx.WithToken(os.Getenv("CONTROLLER_OAUTH_TOKEN")))
	if err != nil {
		log.Fatal(err)
	}
	_, _, err = c.Tokens.Get(context.Background(), 42)
	var er *awx.ErrorResponse
	switch {
	case errors.Is(err, awx.ErrNotFound):
		fmt.Println("no token 42")
	case errors.As(err, &er):
		// "400 Bad Request on POST /api/v2/tokens/: scope: ..."
		fmt.Println(er.StatusCode, er.Message())
	case err != nil:
		log.Fatal(err)
	}
}
